import { deployVersion } from '../local/deploy/canary';
import { StackUpdate } from '../local/deploy/stack-update';
import { AwsClock } from '../local/services/cloudwatch/aws-clock';
import { AWS_TIMING } from '../local/services/cloudwatch/aws-timing';
import { goodGetCompany, goodListCompanies } from './support/candidate-patches';
import { buildCandidate, type EntryFault } from './support/candidates';
import { functionNamed } from './support/hook-runs';
import { startTestStage } from './support/local-parts';
import type { FaultName } from './support/fault-wrappers';
import {
  AS_ON_AWS,
  AT_AWS_PACE,
  QUICK,
  candidateRehearsals,
  deployedNamed,
  expectStoppedOnItsCanaryShare,
  hookStatuses,
  only,
  phases,
  weights,
} from './support/rehearsals';

/**
 * The guard against every way a version fails outside its handler's code, rehearsed at AWS's pace (time scale
 * 1, 20 requests per AWS second, AWS timing): nothing the handler reports sees these, only Lambda's own records.
 * Each fault strikes every fifth user request in each execution environment (20 %, without a random share's
 * luck; PreTraffic's direct invocations pass, so the guard is what is proven). Then a good version through the
 * whole deployment, its final bake included; a fault that appears only at 100 %; and one `sam deploy` of two
 * functions, one of which fails.
 */
const rehearseCandidate = candidateRehearsals();

const everyFifth = (fault: FaultName, afterSeconds?: number): EntryFault => ({ entry: 'functions/get-company.ts', fault, strike: { every: 5, afterSeconds } });

const FAILURE_KINDS: Array<[string, FaultName, string]> = [
  ['an error thrown outside the handler', 'throwsOutsideHandler', 'Error'],
  ['a runtime that exits', 'exitsRuntime', 'Runtime.ExitError'],
  ['a hang past Timeout', 'hangsPastTimeout', 'Sandbox.Timedout'],
  ['memory over MemorySize', 'exceedsMemory', 'Runtime.OutOfMemory'],
];

it.each(FAILURE_KINDS)('%s on a fifth of user requests is rolled back on its canary share within 30 s of the first shift, and the report names the failure and what saw it', async (_, fault, errorType) => {
  const run = await rehearseCandidate(everyFifth(fault), { pace: AT_AWS_PACE });
  const fn = only(run, 'GetCompanyFunction');
  expectStoppedOnItsCanaryShare(fn, 30_000);
  // What failed, by Lambda's own account, and when it first did.
  expect(Object.keys(fn.summary!.failuresByType)).toEqual([errorType]);
  expect(fn.summary!.failuresByType[errorType]!.canaryShare).toBeGreaterThan(0);
  expect(fn.timeline.filter((e) => e.kind === 'failure-kind')).toEqual([expect.objectContaining({ errorType })]);
  // The handler's own 5xx alarm never saw it: Lambda's records (an alarm on them, or the judge counting them) did.
  expect(fn.alarms.filter((a) => a.alarm.endsWith('Http5xxAlarm') && a.state === 'ALARM')).toEqual([]);
  expect(fn.summary!.sightings[0]!.by).toMatch(/^alarm GetCompany(InvocationErrors|Timeouts)Alarm$|canary judge found it worse \(failures/);
  expect(run.table).toBe('[]');
}, 240_000);

it('a good version goes through its canary, the journey and the final bake at AWS pace, with nothing against it', async () => {
  const run = await rehearseCandidate(goodGetCompany, { pace: AT_AWS_PACE });
  const fn = only(run, 'GetCompanyFunction');
  expect({ outcome: fn.outcome, reason: fn.reason }).toEqual({ outcome: 'Succeeded', reason: undefined });
  expect(hookStatuses(fn)).toEqual(['PreTraffic:Succeeded', 'PostTraffic:Succeeded']);
  expect(weights(fn)).toEqual([0.1, 1]);
  expect(phases(fn)).toEqual(['PreTraffic', 'Shift', 'Bake', 'Shift', 'PostTraffic', 'FinalBake', 'Afterwatch', 'Done']);
  // The final bake held the deployment open for FinalBakeSeconds (120) after the journey.
  const bakeStart = fn.timeline.find((e) => e.kind === 'phase' && e.phase === 'FinalBake')!.at;
  const verdict = fn.timeline.find((e) => e.kind === 'verdict')!.at;
  expect(verdict - bakeStart).toBeGreaterThanOrEqual(120_000);
  expect(fn.summary!.failuresByType).toEqual({});
  expect(fn.summary!.sightings).toEqual([]);
  expect(fn.alarms.filter((a) => a.state === 'ALARM')).toEqual([]);
  expect(fn.aliasAfter).toEqual({ functionVersion: fn.targetVersion, additionalVersionWeights: {} });
  expect(run.table).toBe('[]');
}, 600_000);

it('a fault that appears only at 100 %, during the final bake, is rolled back from 100 %', async () => {
  // Every fifth user request fails once an environment has served users for 90 s: after the canary minute
  // and the journey, inside the 120 s bake. (An error outside the handler: it keeps its environment, and so
  // its count, where an exit would start a new environment with 90 s of grace.)
  const run = await rehearseCandidate(everyFifth('throwsOutsideHandler', 90), { pace: AT_AWS_PACE });
  const fn = only(run, 'GetCompanyFunction');
  expect(fn.outcome).toBe('RolledBack');
  expect(weights(fn)).toEqual([0.1, 1, 0]);
  expect(phases(fn)).toContain('FinalBake');
  const bakeStart = fn.timeline.find((e) => e.kind === 'phase' && e.phase === 'FinalBake')!.at;
  expect(fn.timeline.find((e) => e.kind === 'rollback')!.at).toBeGreaterThan(bakeStart);
  expect(fn.summary!.detected).toBe('after-full-shift');
  expect(fn.summary!.failuresByType.Error).toEqual({ canaryShare: 0, fullShare: expect.any(Number) });
  expect(fn.aliasAfter).toEqual({ functionVersion: fn.currentVersion, additionalVersionWeights: {} });
  expect(run.table).toBe('[]');
}, 480_000);

describe('one sam deploy that changes two functions', () => {
  it('a failing one fails the stack update: CloudFormation cancels the other deployment in progress and puts its alias back', async () => {
    const run = await rehearseCandidate([everyFifth('exitsRuntime'), goodListCompanies], { pace: AS_ON_AWS });
    const failed = deployedNamed(run, 'GetCompanyFunction');
    const cancelled = deployedNamed(run, 'ListCompaniesFunction');
    expect(failed.outcome).toBe('RolledBack');
    expect(cancelled.outcome).toBe('RolledBack');
    expect(cancelled.reason).toBe('cancelled: the deployment of GetCompanyFunction failed the stack update, and CloudFormation rolls it all back');
    for (const fn of [failed, cancelled]) expect(fn.aliasAfter).toEqual({ functionVersion: fn.currentVersion, additionalVersionWeights: {} });
    expect(run.report.outcome).toBe('RolledBack');
    expect(run.table).toBe('[]');
  }, 240_000);

  it('a function at 100 %, in its final bake, is rolled back from there when the other fails', async () => {
    // The other function's fault appears after 90 AWS seconds of serving users: at 100 %, in both bakes.
    const latent = { entry: 'functions/list-companies.ts', fault: 'throwsOutsideHandler' as const, strike: { every: 5, afterSeconds: 90 / AS_ON_AWS.timeScale } };
    const run = await rehearseCandidate([goodGetCompany, latent], { pace: AS_ON_AWS });
    const failed = deployedNamed(run, 'ListCompaniesFunction');
    const baking = deployedNamed(run, 'GetCompanyFunction');
    expect(failed.outcome).toBe('RolledBack');
    expect(baking).toMatchObject({ outcome: 'RolledBack', reason: 'cancelled: the deployment of ListCompaniesFunction failed the stack update, and CloudFormation rolls it all back' });
    expect(phases(baking)).toContain('FinalBake');
    expect(weights(baking)).toEqual([0.1, 1, 0]);
    for (const fn of [failed, baking]) expect(fn.aliasAfter).toEqual({ functionVersion: fn.currentVersion, additionalVersionWeights: {} });
    expect(run.table).toBe('[]');
  }, 240_000);

  it('a function whose deployment had already ended goes back with the stack when another fails after it', async () => {
    // CodeDeploy plays each function's deployment on its own: one of them, played here, succeeds, and while it
    // is watched afterwards the stack update fails for another function (told to the shared StackUpdate).
    const stage = await startTestStage('stack-rollback', { environment: { PostTrafficHook: { FINAL_BAKE_SECONDS: '0' } } });
    try {
      const fn = functionNamed(stage, 'GetCompanyFunction');
      const target = stage.lambda.publishVersion(fn.functionName, await buildCandidate(fn, [goodGetCompany]));
      const clock = new AwsClock(QUICK.timeScale);
      stage.awsTime = { clock, timing: AWS_TIMING };
      const stack = new StackUpdate();
      const logs: string[] = [];
      stage.events.on('log', (_fn, line) => logs.push(line));
      const onProgress = (update: { phase: string }) => update.phase === 'Afterwatch' && stack.fail('ListCompaniesFunction');
      const report = await deployVersion({ stage, clock, timing: AWS_TIMING, logs, stack, onProgress }, fn, stage.model.deploymentOf(fn.logicalId, target)!, target);
      expect(report.timeline.find((e) => e.kind === 'verdict')).toMatchObject({ outcome: 'Succeeded' });
      expect(report).toMatchObject({
        outcome: 'RolledBack',
        reason: `the stack update rolled back: the deployment of ListCompaniesFunction failed, so CloudFormation put this alias back on version ${report.currentVersion}`,
      });
      expect(weights(report)).toEqual([0.1, 1, 0]);
      expect(stage.lambda.getAlias(fn.functionName, 'live')).toEqual({ functionVersion: report.currentVersion, additionalVersionWeights: {} });
      // Its alarms are CloudFormation's old definitions again: their dimensions name the old version.
      const alarm = stage.model.deploymentOf(fn.logicalId, report.currentVersion)!.alarms[0]!;
      const described = stage.alarms.describe({ AlarmNames: [alarm.name] }).MetricAlarms[0]!;
      expect(JSON.stringify(described)).toContain(`"Name":"ExecutedVersion","Value":"${report.currentVersion}"`);
    } finally {
      await stage.stop();
    }
  }, 120_000);
});
