import type { MiddlewareStack } from '@smithy/types';
import { freePort } from '../local/net';
import { requestRehearsal, runningStage } from '../local/running-stage';
import { readTemplate, type Template } from '../local/template/cloudformation';
import { abort } from '../operate/abort';
import { approve } from '../operate/gates';
import { chosen, readStack } from '../operate/stack';
import { closeTarget, targetOf } from '../operate/target';
import { launchChromium } from './support/browser';
import { goodGetCompany } from './support/candidate-patches';
import { copySource, removeCandidates } from './support/candidates';
import { canary } from './support/canary-cli';
import { startDashboard, stopDashboard } from './support/dashboard';
import { killStage, npmStart, type Started } from './support/npm-start';

/**
 * Manual gates on the local stage started with ManualGates=Enabled, as an operator meets them: a deployment that
 * waits before its first shift and after its final bake, `canary approve` letting it go on, `canary abort` at a
 * gate rolling it back, and one nobody decides failing at CodeDeploy's hour. The approver policy in template.yaml
 * is held to exactly the calls approve and abort make.
 */
interface Deployment {
  id: string;
  status: string;
  phase: string;
  targetWeight: number;
  currentVersion: string;
  targetVersion: string;
  gate?: { lifecycleEvent: string; lifecycleEventHookExecutionId: string; since: string; failsAt: string };
}
interface FunctionStatus {
  routing: Array<{ version: string; weight: number }>;
  deployment?: Deployment;
}

async function statusOf(): Promise<FunctionStatus> {
  const ran = await canary('status', 'GetCompanyFunction', '--json');
  expect(ran).toMatchObject({ code: 0 });
  return (JSON.parse(ran.stdout) as { functions: FunctionStatus[] }).functions[0]!;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const gateAt = (event: string) => (s: FunctionStatus) => s.deployment?.status === 'InProgress' && s.deployment.gate?.lifecycleEvent === event;

/** GetCompany's outcome in a rehearsal of the candidate. */
async function rehearse(sourceRoot: string, timeScale: number, trafficRps: number) {
  const { report } = await requestRehearsal(runningStage()!, { sourceRoot, trafficRps, timeScale }, { message: () => undefined, progress: () => undefined });
  return report.functions.find((fn) => fn.logicalId === 'GetCompanyFunction') as { outcome?: string; reason?: string; targetVersion?: string; hooks?: unknown[] };
}

/** A variant of the good candidate, so that each rehearsal publishes a version of its own. */
const goodVariant = (n: number) => ({ ...goodGetCompany, replace: goodGetCompany.replace.replace("'private'", `'private, max-age=${n}'`) });

// CodeDeploy's hour is 2 minutes of the wall clock at time scale 30.
const TIME_SCALE = 30;

let started: Started;
beforeAll(async () => {
  started = await npmStart(await freePort(), ['--quiet', '--parameter-overrides', 'ManualGates=Enabled']);
}, 90_000);
afterAll(async () => {
  await killStage(started);
  removeCandidates();
});

it('holds a deployment before its first shift and after its final bake, and deploys it once approved at both', async () => {
  const before = await statusOf();
  const rehearsal = rehearse(copySource([goodVariant(0)]), TIME_SCALE, 1);
  const first = await until(statusOf, gateAt('BeforeAllowTraffic'), 60_000);
  expect(first.deployment).toMatchObject({ phase: 'PreTraffic', targetWeight: 0 });
  // CodeDeploy's hour from the hook's start, which came before its checks (120 s at most, its Timeout).
  const failsIn = Date.parse(first.deployment!.gate!.failsAt) - Date.parse(first.deployment!.gate!.since);
  expect(failsIn).toBeGreaterThan(3_600_000 - 120_000);
  expect(failsIn).toBeLessThanOrEqual(3_600_000);
  // It holds: no traffic moves while nobody decides.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(await statusOf()).toMatchObject({ routing: before.routing, deployment: { id: first.deployment!.id, targetWeight: 0 } });
  const text = await canary('status', 'GetCompanyFunction');
  expect(text.stdout).toContain(`waiting for approval at BeforeAllowTraffic since ${first.deployment!.gate!.since}`);
  expect(text.stdout).toContain('decide: npm run canary -- approve GetCompanyFunction | abort GetCompanyFunction');

  // The dashboard shows the gate as well, in a real browser.
  const dashboard = await startDashboard(await freePort());
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(dashboard.url);
    const gate = await page.waitForSelector('[data-testid="gate"]', { timeout: 15_000 });
    expect(await gate.textContent()).toMatch(/^waiting for approval at BeforeAllowTraffic since .+; CodeDeploy fails it at .+\. Decide with npm run canary -- approve or abort\.$/);
  } finally {
    await browser.close();
    stopDashboard(dashboard);
  }

  const { id, targetVersion } = first.deployment!;
  expect(await canary('approve', 'GetCompanyFunction')).toEqual({
    code: 0,
    stdout: `GetCompanyFunction: ${id} approved at BeforeAllowTraffic: CodeDeploy shifts traffic to version ${targetVersion} next\n`,
    stderr: '',
  });
  const second = await until(statusOf, gateAt('AfterAllowTraffic'), 60_000);
  expect(second.deployment).toMatchObject({ id, phase: 'PostTraffic', targetWeight: 1 });
  expect(second.routing).toEqual([{ version: targetVersion, weight: 1 }]);
  expect(await canary('approve', 'GetCompanyFunction')).toMatchObject({
    code: 0,
    stdout: `GetCompanyFunction: ${id} approved at AfterAllowTraffic: the deployment completes with version ${targetVersion} taking all traffic\n`,
  });
  const deployed = await rehearsal;
  expect(deployed).toMatchObject({ outcome: 'Succeeded', targetVersion });
  // The report says who decided each hook's status: the hook found the version good, an operator let it go on.
  expect(deployed.hooks).toEqual([
    expect.objectContaining({ hook: 'PreTraffic', status: 'Succeeded', evidence: expect.objectContaining({ verdict: 'Succeeded', decidedBy: 'an operator, at a manual gate' }) }),
    expect.objectContaining({ hook: 'PostTraffic', status: 'Succeeded', evidence: expect.objectContaining({ verdict: 'Succeeded', decidedBy: 'an operator, at a manual gate' }) }),
  ]);
  expect(await canary('approve', 'GetCompanyFunction')).toMatchObject({ code: 1, stdout: 'GetCompanyFunction: no deployment in progress\n' });
}, 180_000);

it('rolls a deployment back when an operator aborts it at its second gate; approve and abort call exactly what the approver policy allows', async () => {
  const before = await statusOf();
  const target = targetOf({ local: true });
  const called = new Set<string>();
  const prefix: Record<string, string> = { cloudformation: 'cloudformation', lambda: 'lambda', codedeploy: 'codedeploy', cloudwatch: 'cloudwatch', logs: 'logs' };
  for (const [service, client] of Object.entries(target.clients)) {
    (client.middlewareStack as MiddlewareStack<object, object>).add(
      (next, context) => (args) => {
        called.add(`${prefix[service]}:${String(context.commandName).replace(/Command$/, '')}`);
        return next(args);
      },
      { step: 'initialize' },
    );
  }
  try {
    const rehearsal = rehearse(copySource([goodVariant(1)]), TIME_SCALE, 1);
    const first = await until(statusOf, gateAt('BeforeAllowTraffic'), 60_000);
    const stack = await readStack(target.clients, target.stackName);
    const lines: string[] = [];
    expect(await approve(target.clients, stack, chosen(stack, ['GetCompanyFunction']), (line) => lines.push(line))).toBe(1);
    await until(statusOf, gateAt('AfterAllowTraffic'), 60_000);
    const aborted = await abort(target.clients, chosen(stack, ['GetCompanyFunction']), (line) => lines.push(line), 60_000);
    expect(aborted).toEqual([{ function: 'GetCompanyFunction', deploymentId: first.deployment!.id, backOn: before.routing[0]!.version }]);
    expect(await rehearsal).toMatchObject({ outcome: 'RolledBack', reason: expect.stringContaining('stopped on request') });
    expect((await statusOf()).routing).toEqual(before.routing);
  } finally {
    closeTarget(target);
  }
  const policy = readTemplate('template.yaml').Resources.DeploymentApproverPolicy as Template;
  const statements = policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>;
  const allowed = statements.flatMap((s) => [s.Action].flat());
  expect([...new Set(allowed)].sort()).toEqual([...called].sort());
  // Each on the stack's own resources: no statement allows its actions on every resource.
  for (const statement of statements) expect(JSON.stringify(statement.Resource)).not.toContain('"*"');
}, 180_000);

it('fails a gated deployment nobody decides at CodeDeploy\'s hour, and rolls it back', async () => {
  const before = await statusOf();
  // At time scale 240 CodeDeploy's hour is 15 s; no traffic is needed before the first shift.
  const outcome = await rehearse(copySource([goodVariant(2)]), 240, 0);
  expect(outcome).toMatchObject({ outcome: 'RolledBack', reason: "PreTraffic hook reported no status within CodeDeploy's 60 minutes" });
  expect((await statusOf()).routing).toEqual(before.routing);
  const [latest] = JSON.parse((await canary('history', 'GetCompanyFunction', '--json', '--limit', '1')).stdout) as Array<Record<string, string>>;
  expect(latest).toMatchObject({ status: 'Failed', reason: "HOOK_EXECUTION_FAILURE: PreTraffic hook reported no status within CodeDeploy's 60 minutes" });
}, 120_000);
