import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from '../local/net';
import { requestRehearsal, runningStage } from '../local/running-stage';
import { ROOT } from '../local/template/cloudformation';
import { loadStage } from '../local/template/stage';
import { getCompanyFailsOnTraffic, goodGetCompany } from './support/candidate-patches';
import { copySource, removeCandidates } from './support/candidates';
import { canary } from './support/canary-cli';
import { apiClient } from './support/http';
import { killStage, npmStart, type Started } from './support/npm-start';

/**
 * `npm run canary -- <command> --local` as an operator runs it, against the stage `npm start` serves, while
 * rehearsals deploy to it: what it reads (through the stage's CloudFormation, Lambda, CodeDeploy, CloudWatch
 * and CloudWatch Logs, as it reads a stack on AWS) and what it changes.
 */
interface Status {
  functions: Array<{
    logicalId: string;
    routing: Array<{ version: string; weight: number }>;
    revisionId: string;
    deployment?: { id: string; status: string; phase: string; targetWeight: number; bakeLeftSeconds?: number; currentVersion: string; targetVersion: string; alarms: unknown[] };
  }>;
}

async function statusOf(logicalId: string): Promise<Status['functions'][number]> {
  const ran = await canary('status', logicalId, '--json');
  expect(ran).toMatchObject({ code: 0 });
  return (JSON.parse(ran.stdout) as Status).functions[0]!;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** `status --watch --json` as a child: its lines, and its exit code once it ends. */
function watching(...args: string[]): { lines: () => Status[]; exited: Promise<number | null>; child: ChildProcess } {
  const child = spawn('npm', ['run', '-s', 'canary', '--', 'status', ...args, '--watch', '--json', '--interval', '1s', '--start-timeout', '60s', '--local'], { cwd: ROOT });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { lines: () => output.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Status), exited, child };
}

/** GetCompany's outcome in a rehearsal of the candidate, with its reason when it was rolled back. */
async function rehearse(sourceRoot: string, timeScale: number, trafficRps = 5): Promise<{ outcome?: string; reason?: string; targetVersion?: string }> {
  const { report } = await requestRehearsal(runningStage()!, { sourceRoot, trafficRps, timeScale }, { message: () => undefined, progress: () => undefined });
  const deployed = report.functions.find((fn) => fn.logicalId === 'GetCompanyFunction') as { outcome?: string; reason?: string; targetVersion?: string };
  return { outcome: deployed.outcome, reason: deployed.reason, targetVersion: deployed.targetVersion };
}

/** The versions the tests below make, in the order they make them. */
const versions = { original: '1', good: '', bad: '' };

let started: Started;
beforeAll(async () => {
  started = await npmStart(await freePort(), ['--quiet']);
}, 90_000);
afterAll(async () => {
  await killStage(started);
  removeCandidates();
});

it('status shows every gradually deployed function of the template, where its alias routes, and no deployment yet', async () => {
  const model = loadStage();
  const gradual = model.functions.filter((fn) => model.deploymentOf(fn.logicalId, '1')).map((fn) => fn.logicalId);
  const ran = await canary('status', '--json');
  expect(ran.code).toBe(0);
  const { functions } = JSON.parse(ran.stdout) as Status;
  expect(functions.map((f) => f.logicalId).sort()).toEqual([...gradual].sort());
  for (const fn of functions) {
    expect(fn.routing).toEqual([{ version: '1', weight: 1 }]);
    expect(fn.deployment).toBeUndefined();
  }
  const text = await canary('status', 'GetCompanyFunction');
  expect(text.stdout).toContain(`the local stage (${runningStage()!.url})`);
  expect(text.stdout).toMatch(/GetCompanyFunction \(GetCompanyFunction:live\)\n\s+live → version 1 100\.0 %\n\s+no deployment yet/);
  expect(await canary('status', 'NoSuchFunction')).toMatchObject({ code: 2, stderr: expect.stringContaining('NoSuchFunction is not a gradually deployed function') });
}, 60_000);

it('status --watch follows a good deployment through its phases, exits 0, and history lists it', async () => {
  const watch = watching('GetCompanyFunction');
  const result = await rehearse(copySource([goodGetCompany]), 10);
  expect(result).toMatchObject({ outcome: 'Succeeded', targetVersion: expect.any(String) });
  versions.good = result.targetVersion!;
  expect(await watch.exited).toBe(0);
  const phases = watch.lines().map((line) => line.functions[0]!.deployment).filter((d) => d !== undefined);
  expect(phases.map((d) => d.phase)).toEqual(expect.arrayContaining(['Bake', 'PostTraffic', 'Succeeded']));
  const baking = phases.find((d) => d.phase === 'Bake')!;
  expect(baking).toMatchObject({ status: 'InProgress', currentVersion: versions.original, targetVersion: versions.good, targetWeight: 0.1 });
  expect(baking.alarms.length).toBeGreaterThan(0);
  expect(baking.bakeLeftSeconds).toBeLessThanOrEqual(60);
  expect(phases.at(-1)).toMatchObject({ status: 'Succeeded', targetWeight: 1 });

  const history = await canary('history', 'GetCompanyFunction', '--json');
  const [latest] = JSON.parse(history.stdout) as Array<Record<string, unknown>>;
  expect(latest).toMatchObject({ function: 'GetCompanyFunction', deploymentId: phases[0]!.id, status: 'Succeeded', durationSeconds: expect.any(Number) });
  expect(latest!.reason).toBeUndefined();
  expect((await statusOf('GetCompanyFunction')).routing).toEqual([{ version: versions.good, weight: 1 }]);
}, 120_000);

it('status --watch exits 1 when the guard rolls a version back, and history says why and who stopped it', async () => {
  const watch = watching('GetCompanyFunction');
  const result = await rehearse(copySource([getCompanyFailsOnTraffic]), 10, 20);
  expect(result).toMatchObject({ outcome: 'RolledBack', targetVersion: expect.any(String) });
  versions.bad = result.targetVersion!;
  expect(await watch.exited).toBe(1);
  const [latest] = JSON.parse((await canary('history', 'GetCompanyFunction', '--json', '--limit', '1')).stdout) as Array<Record<string, string>>;
  expect(latest).toMatchObject({ function: 'GetCompanyFunction', status: expect.stringMatching(/^(Stopped|Failed)$/), reason: expect.stringMatching(/^(MANUAL_STOP|ALARM_ACTIVE): /) });
  if (latest!.reason!.startsWith('MANUAL_STOP')) expect(latest!.stoppedBy).toMatch(/^the (stopper, on alarm \S+|canary judge \(.+\))$/);
  const text = await canary('history', 'GetCompanyFunction');
  expect(text.stdout).toContain(`${latest!.deploymentId}  GetCompanyFunction  ${latest!.status} after`);
  expect((await statusOf('GetCompanyFunction')).routing).toEqual([{ version: versions.good, weight: 1 }]);
}, 120_000);

it('on AWS time, refuses a hand-made shift during a deployment, promotes its bake, and aborts it back to the old version', async () => {
  const anotherGoodVersion = { ...goodGetCompany, replace: goodGetCompany.replace.replace("'private'", "'private, max-age=0'") };
  const rehearsal = rehearse(copySource([anotherGoodVersion]), 1);
  const baking = await until(() => statusOf('GetCompanyFunction'), (s) => s.deployment?.phase === 'Bake', 60_000);
  expect(baking.deployment).toMatchObject({ status: 'InProgress', currentVersion: versions.good, targetWeight: 0.1 });
  expect(baking.deployment!.bakeLeftSeconds).toBeGreaterThan(40);

  const refused = await canary('shift', 'GetCompanyFunction', '--to', versions.original, '--weight', '0.5');
  expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining(`deployment ${baking.deployment!.id} in progress`) });
  expect((await statusOf('GetCompanyFunction')).routing).toEqual(baking.routing);

  const promotedAt = Date.now();
  expect(await canary('promote', 'GetCompanyFunction')).toMatchObject({ code: 0, stdout: `GetCompanyFunction: ${baking.deployment!.id} promoted: its bake ends now\n` });
  const shifted = await until(() => statusOf('GetCompanyFunction'), (s) => s.deployment?.phase === 'PostTraffic', 20_000);
  expect(shifted.deployment).toMatchObject({ phase: 'PostTraffic', targetWeight: 1 });
  expect(Date.now() - promotedAt).toBeLessThan(20_000);
  expect(await canary('promote', 'GetCompanyFunction')).toMatchObject({ code: 0, stdout: expect.stringContaining('is not in a bake') });

  const aborted = await canary('abort', 'GetCompanyFunction');
  expect(aborted).toMatchObject({ code: 0, stdout: expect.stringContaining(`GetCompanyFunction: live is back on version ${versions.good}, all traffic`) });
  expect(await rehearsal).toMatchObject({ outcome: 'RolledBack' });
  expect((await statusOf('GetCompanyFunction')).routing).toEqual([{ version: versions.good, weight: 1 }]);
  const [latest] = JSON.parse((await canary('history', 'GetCompanyFunction', '--json', '--limit', '1')).stdout) as Array<Record<string, string>>;
  expect(latest).toMatchObject({ status: 'Stopped', reason: expect.stringMatching(/^MANUAL_STOP: /), stoppedBy: expect.stringContaining('a StopDeployment call the guard did not make') });
  expect(await canary('abort')).toMatchObject({ code: 0, stdout: 'no deployment in progress: nothing to abort\n' });
}, 150_000);

it('shift, rollback and ramp route between two published versions by Lambda\'s rules, refusing a stale revision', async () => {
  const before = await statusOf('GetCompanyFunction');
  const { good, original, bad } = versions;
  expect(before.routing).toEqual([{ version: good, weight: 1 }]);
  expect(await canary('shift', 'GetCompanyFunction', '--to', original, '--weight', '0.25', '--revision-id', before.revisionId)).toMatchObject({
    code: 0,
    stdout: `GetCompanyFunction:live → version ${good}, version ${original} 25 %\n`,
  });
  const split = await statusOf('GetCompanyFunction');
  expect(split.routing).toEqual([{ version: good, weight: 0.75 }, { version: original, weight: 0.25 }]);
  // A second operator who read the alias before that change is refused, and changes nothing.
  expect(await canary('shift', 'GetCompanyFunction', '--to', original, '--weight', '0.9', '--revision-id', before.revisionId)).toMatchObject({
    code: 1,
    stderr: expect.stringContaining('changed after it was read'),
  });
  expect(await canary('shift', 'GetCompanyFunction', '--to', '$LATEST', '--weight', '0.1')).toMatchObject({ code: 1, stderr: expect.stringContaining('published version') });
  expect(await canary('shift', 'GetCompanyFunction', '--to', '99', '--weight', '0.1')).toMatchObject({ code: 1, stderr: expect.stringContaining('has no version 99') });
  expect(await canary('shift', 'GetCompanyFunction', '--to', original, '--weight', '1.5')).toMatchObject({ code: 1, stderr: expect.stringContaining('from 0 to 1') });
  expect((await statusOf('GetCompanyFunction')).routing).toEqual(split.routing);

  expect(await canary('rollback', 'GetCompanyFunction')).toMatchObject({ code: 0, stdout: `GetCompanyFunction:live → version ${good}, all traffic\n` });
  expect(await canary('rollback', 'GetCompanyFunction')).toMatchObject({ code: 0, stdout: expect.stringContaining('nothing to roll back') });

  const ramp = await canary('ramp', 'GetCompanyFunction', '--to', original, '--steps', '10,50,100', '--every', '1s');
  expect(ramp).toMatchObject({ code: 0 });
  expect(ramp.stdout.split('\n')).toEqual([
    `step 1 of 3: version ${original} takes 10 %`,
    `step 2 of 3: version ${original} takes 50 %`,
    `step 3 of 3: version ${original} takes 100 %`,
    `ramp completed: version ${original} takes all traffic`,
    '',
  ]);
  expect((await statusOf('GetCompanyFunction')).routing).toEqual([{ version: original, weight: 1 }]);
  expect(await canary('ramp', 'GetCompanyFunction', '--to', bad, '--steps', '50,25,100')).toMatchObject({ code: 1, stderr: expect.stringContaining('rising percentages') });
}, 60_000);

it('ramp reverts to the alias\'s own version when the judge finds the next version worse under traffic', async () => {
  // The version the guard rolled back above fails reads of the traffic's companies.
  const { original, bad } = versions;
  const call = apiClient(runningStage()!.url);
  const company = await call('POST', '/companies', { json: { name: 'Traffic for the ramp', employees: 3 } });
  let sending = true;
  const traffic = (async () => {
    while (sending) {
      await Promise.all(Array.from({ length: 4 }, () => call('GET', `/companies/${company.body.companyId}`)));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  try {
    const ramp = await canary('ramp', 'GetCompanyFunction', '--to', bad, '--steps', '30,60,100', '--every', '15s');
    expect(ramp).toMatchObject({ code: 1 });
    expect(ramp.stdout).toBe(
      `step 1 of 3: version ${bad} takes 30 %\ntrouble before 60 %: the canary judge finds version ${bad} worse (failures); all traffic back on version ${original}\nramp reverted\n`,
    );
  } finally {
    sending = false;
    await traffic;
  }
  expect((await statusOf('GetCompanyFunction')).routing).toEqual([{ version: original, weight: 1 }]);
}, 90_000);
