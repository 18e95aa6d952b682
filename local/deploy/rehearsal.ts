import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AccessLogEntry } from '../services/api-gateway/api-server';
import type { InvocationRecord } from '../services/cloudwatch/metrics';
import { AwsClock } from '../services/cloudwatch/aws-clock';
import { type AlarmTiming, AWS_TIMING } from '../services/cloudwatch/aws-timing';
import { type LocalStage, startLocalStage } from '../local-stage';
import { ROOT } from '../template/cloudformation';
import { functionArn, type FunctionSpec, loadStage } from '../template/stage';
import { buildAll, checkout, deployedState, fingerprint } from './bundles';
import { type CanaryProgress, deployVersion } from './canary';
import { StackUpdate } from './stack-update';
import { countByVersion, summarise, trafficSamples, type VersionCounts } from './summary';
import type { DeploymentReport, FunctionReport } from './report';
import { OPERATION_IDS, type Operation, startTraffic } from './traffic';
import { operations } from '../../open-api/contract';
import { integrationFunctionArn } from '../services/api-gateway/routes';

/**
 * A whole deployment rehearsed on a local stage: each function whose bundle differs from what its alias
 * serves is published as a new version and deployed exactly as template.yaml says (hooks, canary,
 * alarms), under steady traffic, and the story is written down.
 */
export interface RehearsalOptions {
  /** Where the new code is (the working tree, or a fixture copy). */
  sourceRoot: string;
  /** Where .../<id>/report.json goes. */
  reportsDir: string;
  trafficRps: number;
  timeScale: number;
  /** AWS timing unless told otherwise. */
  alarmTiming?: AlarmTiming;
  onProgress?: (update: CanaryProgress & { counts: VersionCounts }) => void;
  onMessage?: (line: string) => void;
}

/** For a rehearsal on a stage of its own, started on the current version. */
export interface OwnStageOptions extends RehearsalOptions {
  /** The current version's code: a folder, or a git ref; default: what the last rehearsal deployed, else HEAD. */
  from?: { folder: string } | { ref: string };
  /** Where deployed bundles are kept between rehearsals on stages of their own. */
  stateDir: string;
  dynamoEndpoint?: string;
  tableName?: string;
  /** Stack parameters other than the template's defaults, as `sam deploy --parameter-overrides` gives them. */
  parameterOverrides?: Record<string, string>;
}

export interface Rehearsal {
  report: DeploymentReport;
  reportDir: string;
}

/** Cold environments of every function warm in a few seconds; a stage still failing after this is overloaded. */
const WARM_UP_LIMIT_MS = 20_000;

const companyFunctions = (stage: Pick<LocalStage, 'model'>) => stage.model.functions.filter((fn) => stage.model.deploymentOf(fn.logicalId, '1'));

/** Rehearses on a running stage, whose aliases serve the current version; they serve the outcome after. */
export async function rehearseOn(stage: LocalStage, options: RehearsalOptions): Promise<Rehearsal> {
  const say = options.onMessage ?? (() => undefined);
  const id = new Date().toISOString().replace(/[:.]/g, '-');
  const workDir = join(ROOT, '.local', 'rehearsals', id);
  const functions = companyFunctions(stage);
  const logs: string[] = [];
  const access: AccessLogEntry[] = [];
  const onLog = (_fn: string, line: string) => logs.push(line);
  const onAccess = (entry: AccessLogEntry) => access.push(entry);
  // Users' invocations that failed, by Lambda's own account: what the report shows each kind of failure from.
  const failures: InvocationRecord[] = [];
  const onInvocation = (record: InvocationRecord) => record.functionError && record.viaAlias && failures.push(record);
  stage.events.on('log', onLog);
  stage.events.on('access', onAccess);
  stage.events.on('invocation', onInvocation);
  const startedAt = new Date();
  try {
    say('building the new code…');
    const candidates = await buildAll(functions, options.sourceRoot, join(workDir, 'new'));
    const targets: Array<{ fn: FunctionSpec; version: string }> = [];
    const reports: FunctionReport[] = [];
    for (const fn of functions) {
      const current = stage.lambda.getAlias(fn.functionName, fn.alias!).functionVersion;
      if (fingerprint(candidates.get(fn.logicalId)!) === fingerprint(stage.lambda.bundleOf(fn.functionName, current))) {
        say(`${fn.logicalId}: unchanged, skipped`);
        reports.push({ logicalId: fn.logicalId, functionName: fn.functionName, currentVersion: current, outcome: 'Unchanged', timeline: [], hooks: [], alarms: [] });
      } else {
        targets.push({ fn, version: stage.lambda.publishVersion(fn.functionName, candidates.get(fn.logicalId)!) });
      }
    }
    if (targets.length > 0) {
      const timing = options.alarmTiming ?? AWS_TIMING;
      const described = timing.mode === 'aws' ? `AWS alarm timing (CodeDeploy polls every ${timing.alarmPollSeconds} s)` : 'instant alarm timing';
      say(`deploying ${targets.map((t) => `${t.fn.logicalId} → version ${t.version}`).join(', ')} at time scale ${options.timeScale}, ${described}`);
      const clock = new AwsClock(options.timeScale);
      const restore = await keepAwsTime(stage, clock, timing);
      // Requests per AWS second: at a time scale of k the wall clock sees k times as many.
      const focus = trafficFocus(stage, targets.map((t) => t.fn));
      const traffic = options.trafficRps > 0 ? startTraffic(stage.url, options.trafficRps * options.timeScale, focus) : undefined;
      try {
        if (traffic) {
          say(`warming the stage up with ${options.trafficRps * options.timeScale} requests/s…`);
          if (!(await traffic.warmedUp(WARM_UP_LIMIT_MS))) say(`the stage still sheds or fails requests after ${WARM_UP_LIMIT_MS / 1000} s: deploying anyway; try a lower --traffic or --time-scale`);
        }
        const onProgress = (update: CanaryProgress) => options.onProgress?.({ ...update, counts: countByVersion(access) });
        const stack = new StackUpdate();
        const ctx = { stage, clock, timing, logs, onProgress, stack };
        reports.push(...(await Promise.all(targets.map(({ fn, version }) => deployVersion(ctx, fn, stage.model.deploymentOf(fn.logicalId, version)!, version)))));
      } finally {
        const sent = await traffic?.stop();
        if (sent) say(`traffic: ${sent.sent} requests, ${sent.failed} answered 5xx or not at all${sent.shed > 0 ? `, ${sent.shed} not sent while the stage was saturated` : ''}${sent.left !== 0 ? `; ${sent.left} of its companies could not be removed` : ''}`);
        await restore();
      }
      for (const report of reports) if (report.targetVersion) summarise(report, access, failures, options.timeScale);
    }
    for (const fn of functions) reports.find((r) => r.logicalId === fn.logicalId)!.aliasAfter = stage.lambda.getAlias(fn.functionName, fn.alias!);

    const report: DeploymentReport = {
      id,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      timeScale: options.timeScale,
      alarmTiming: options.alarmTiming ?? AWS_TIMING,
      trafficRps: options.trafficRps,
      outcome: targets.length === 0 ? 'NothingToDeploy' : reports.some((r) => r.outcome === 'RolledBack') ? 'RolledBack' : 'Deployed',
      functions: functions.map((fn) => reports.find((r) => r.logicalId === fn.logicalId)!),
      traffic: trafficSamples(access),
    };
    const reportDir = join(options.reportsDir, id);
    mkdirSync(reportDir, { recursive: true });
    writeFileSync(join(reportDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    return { report, reportDir };
  } finally {
    stage.events.off('log', onLog);
    stage.events.off('access', onAccess);
    stage.events.off('invocation', onInvocation);
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Rehearses on a stage of its own, started on the current version (what the last such rehearsal left
 * deployed, or the code of `from`), and records what the aliases serve afterwards for the next one.
 */
export async function rehearse(options: OwnStageOptions): Promise<Rehearsal> {
  const functions = companyFunctions({ model: loadStage() });
  const workDir = join(ROOT, '.local', 'rehearsals', `current-${process.pid}-${Date.now()}`);
  try {
    const current = await currentBundles(options, functions, workDir, options.onMessage ?? (() => undefined));
    const stage = await startLocalStage({
      port: 0,
      dynamoEndpoint: options.dynamoEndpoint,
      tableName: options.tableName,
      parameterOverrides: options.parameterOverrides,
      functionOverrides: Object.fromEntries(functions.map((fn) => [fn.logicalId, { bundleDir: current.get(fn.logicalId)! }])),
    });
    try {
      const rehearsal = await rehearseOn(stage, options);
      for (const fn of rehearsal.report.functions) {
        deployedState.save(options.stateDir, fn.logicalId, stage.lambda.bundleOf(fn.functionName, fn.aliasAfter!.functionVersion));
      }
      return rehearsal;
    } finally {
      await stage.stop();
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function currentBundles(options: OwnStageOptions, functions: FunctionSpec[], workDir: string, say: (line: string) => void) {
  const from = options.from;
  if (from && 'folder' in from) return buildAll(functions, from.folder, join(workDir, 'current'));
  const recorded = functions.map((fn) => [fn.logicalId, deployedState.load(options.stateDir, fn.logicalId)] as const);
  if (!from && recorded.every(([, dir]) => dir)) return new Map(recorded as Array<[string, string]>);
  const ref = from?.ref ?? 'HEAD';
  say(`building the current version from ${ref}…`);
  return buildAll(functions, checkout(ref, join(workDir, 'source')), join(workDir, 'current'));
}

/**
 * Puts the stage on the rehearsal's AWS time: its CloudWatch answers in it, and a function's durations
 * (environment variables named *_SECONDS, such as the judge's interval) run as many times faster. Answers
 * how to put things back.
 */
async function keepAwsTime(stage: LocalStage, clock: AwsClock, timing: AlarmTiming): Promise<() => Promise<void>> {
  const previous = stage.awsTime;
  stage.awsTime = { clock, timing };
  const scaled = stage.model.functions
    .map((fn) => [fn.functionName, Object.entries(fn.environment).filter(([name]) => name.endsWith('_SECONDS'))] as const)
    .filter(([, durations]) => durations.length > 0 && clock.timeScale !== 1);
  const restores = await Promise.all(
    scaled.map(([name, durations]) => stage.lambda.overrideEnvironment(name, Object.fromEntries(durations.map(([key, value]) => [key, String(Number(value) / clock.timeScale)])))),
  );
  return async () => {
    stage.awsTime = previous;
    await Promise.all(restores.map((restore) => restore()));
  };
}

/** The kinds of request that reach the functions being deployed, so that their canaries see traffic. */
function trafficFocus(stage: LocalStage, functions: FunctionSpec[]): Operation[] {
  const operationOf = new Map(operations(stage.model.apiDocument).filter((op) => op.integration?.type === 'aws_proxy').map((op) => [integrationFunctionArn(op), op.operationId]));
  const deployed = new Set(functions.map((fn) => operationOf.get(functionArn(fn.functionName, fn.alias))));
  return (Object.keys(OPERATION_IDS) as Operation[]).filter((operation) => deployed.has(OPERATION_IDS[operation]));
}
