import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Rehearsal, rehearse } from '../local/deploy/rehearsal';
import { ROOT } from '../local/template/cloudformation';
import { alarmTiming } from '../local/services/cloudwatch/aws-timing';
import {
  getCompanyFailsOnTraffic,
  getCompanyFailsEveryFifth,
  getCompanyFindsAnything,
  getCompanyQuarterSecondSlower,
  goodGetCompany,
  listHidesJourneyCompanies,
  slowGetCompany,
} from './support/candidate-patches';
import { copySource, removeCandidates, type SourcePatch } from './support/candidates';
import { startDynamoDbFaultProxy } from './support/dynamodb-fault-proxy';
import { documentClient, dynamoEndpoint, tableSnapshot, uniqueTableName } from './support/local-parts';

/**
 * Proof of what rolls back and what does not: whole deployments rehearsed on candidates built from patched
 * copies of the code, under traffic, with AWS's alarm timing unless a test says otherwise. Each checks the
 * hook statuses, where the live alias ends up, and that no test data is left in the table.
 */

/**
 * Where the verdict rests on the canary's statistics: 23 requests per AWS second, 20 of them to the function
 * deployed (its canary gets 2), at 5× speed: 115 requests a second, which a 2-core machine serves.
 */
const AS_ON_AWS = { timeScale: 5, trafficRps: 23 };
/** Where hooks decide: 15× speed (a 1-minute canary bakes 4 s) and light traffic. */
const QUICK = { timeScale: 15, trafficRps: 4 };
let stateDir: string;
beforeEach(() => (stateDir = mkdtempSync(join(tmpdir(), 'company-canary-deployed-'))));
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));
afterAll(removeCandidates);

/** Deploys a patched copy of the code over the working tree's code, or over what was deployed last. */
async function rehearseCandidate(
  patch: SourcePatch,
  options: { pace: typeof AS_ON_AWS; over?: 'working tree' | 'last deployed'; timing?: 'aws' | 'instant'; dynamoEndpoint?: string },
): Promise<Rehearsal & { table: string }> {
  const tableName = uniqueTableName('rehearsal');
  const sourceRoot = copySource([patch]);
  const from = (options.over ?? 'working tree') === 'working tree' ? { folder: ROOT } : undefined;
  const result = await rehearse({
    sourceRoot,
    from,
    stateDir,
    reportsDir: join(stateDir, 'reports'),
    ...options.pace,
    alarmTiming: alarmTiming({ mode: options.timing ?? 'aws' }),
    dynamoEndpoint: options.dynamoEndpoint ?? dynamoEndpoint(),
    tableName,
  });
  return { ...result, table: await tableSnapshot(documentClient(), tableName) };
}

const only = (run: Rehearsal, logicalId: string) => {
  const deployed = run.report.functions.filter((f) => f.outcome !== 'Unchanged');
  expect(deployed.map((f) => f.logicalId)).toEqual([logicalId]);
  return deployed[0]!;
};
type Deployed = Rehearsal['report']['functions'][number];
const hookStatuses = (fn: Deployed) => fn.hooks.map((h) => `${h.hook}:${h.status}`);
const weights = (fn: Deployed) => fn.timeline.flatMap((e) => (e.kind === 'weight' ? [e.targetWeight] : []));

it('a functional bug fails PreTraffic: rolled back before any user request reaches it', async () => {
  const run = await rehearseCandidate(getCompanyFindsAnything, { pace: QUICK });
  const fn = only(run, 'GetCompanyFunction');
  expect(run.report.outcome).toBe('RolledBack');
  expect(fn).toMatchObject({ outcome: 'RolledBack', reason: 'PreTraffic hook reported Failed', aliasAfter: { functionVersion: fn.currentVersion, additionalVersionWeights: {} } });
  expect(hookStatuses(fn)).toEqual(['PreTraffic:Failed']);
  expect(fn.summary?.requestsServedByTarget).toBe(0);
  expect(run.table).toBe('[]');
}, 60_000);

/**
 * Rolled back while it had only its canary share, so many AWS seconds after the first shift at most: by the
 * stopper or the judge, or by CodeDeploy's own poll when it reads the alarm before the stopper has acted.
 */
function expectStoppedOnItsCanaryShare(fn: Deployed, withinAwsMs: number) {
  expect(weights(fn)).toEqual([0.1, 0]);
  expect(hookStatuses(fn)).toEqual(['PreTraffic:Succeeded']);
  expect(fn.reason).toMatch(/^stopped on request \(StopDeployment\), rolling back: (the stopper acted on alarm|the canary judge found it worse)|CodeDeploy saw it on its poll$/);
  expect(fn.summary!.detected).toBe('before-full-shift');
  expect(fn.summary!.fullShare.requests).toBe(0);
  expect(fn.summary!.firstShiftToVerdictMs).toBeLessThanOrEqual(withinAwsMs);
  expect(fn.aliasAfter).toEqual({ functionVersion: fn.currentVersion, additionalVersionWeights: {} });
}

/**
 * Every fifth read fails rather than a random fifth: by chance alone a random 20 % shows too few failures
 * for the judge within 30 s in about 3 % of canaries (bench:judge), and CI once saw it stopped at 37.7 s.
 */
it('at AWS timing, a version failing one read in five is stopped on its canary share within 30 s of the first shift', async () => {
  const run = await rehearseCandidate(getCompanyFailsEveryFifth, { pace: AS_ON_AWS });
  const fn = only(run, 'GetCompanyFunction');
  expectStoppedOnItsCanaryShare(fn, 30_000);
  expect(fn.summary!.canaryShare.failed).toBeGreaterThan(0);
  expect(run.table).toBe('[]');
}, 90_000);

it('at AWS timing, a version 1.2 s slower is stopped on its canary share, by its latency alarm or the judge', async () => {
  const run = await rehearseCandidate(slowGetCompany, { pace: AS_ON_AWS });
  const fn = only(run, 'GetCompanyFunction');
  expectStoppedOnItsCanaryShare(fn, 60_000);
  expect(run.table).toBe('[]');
}, 90_000);

it('at AWS timing, a version 250 ms slower, below the latency alarm, is stopped by the canary judge within the bake', async () => {
  const run = await rehearseCandidate(getCompanyQuarterSecondSlower, { pace: AS_ON_AWS });
  const fn = only(run, 'GetCompanyFunction');
  expectStoppedOnItsCanaryShare(fn, 60_000);
  expect(fn.reason).toMatch(/the canary judge found it worse \(latency/);
  expect(fn.alarms.filter((a) => a.state === 'ALARM')).toEqual([]);
  expect(run.table).toBe('[]');
}, 90_000);

it('a good version is deployed while 1 % of all DynamoDB calls fail, on both versions alike', async () => {
  const proxy = await startDynamoDbFaultProxy(dynamoEndpoint(), 0.01);
  try {
    const run = await rehearseCandidate(goodGetCompany, { pace: AS_ON_AWS, dynamoEndpoint: proxy.url });
    const fn = only(run, 'GetCompanyFunction');
    expect(proxy.failed).toBeGreaterThan(0);
    expect({ outcome: fn.outcome, reason: fn.reason }).toEqual({ outcome: 'Succeeded', reason: undefined });
    expect(fn.summary!.detected).toBe('not-detected');
    expect(run.table).toBe('[]');
  } finally {
    await proxy.stop();
  }
}, 120_000);

it('with instant alarm timing, failing on a share of traffic trips the error alarm during the 10 % phase', async () => {
  const run = await rehearseCandidate(getCompanyFailsOnTraffic, { pace: AS_ON_AWS, timing: 'instant' });
  const fn = only(run, 'GetCompanyFunction');
  expect(fn).toMatchObject({ outcome: 'RolledBack', aliasAfter: { functionVersion: fn.currentVersion, additionalVersionWeights: {} } });
  expect(fn.reason).toMatch(/alarm GetCompany(Errors|Http5xx)Alarm went into ALARM/);
  expect(hookStatuses(fn)).toEqual(['PreTraffic:Succeeded']);
  expect(weights(fn)).toEqual([0.1, 0]);
  expect(fn.summary!.failedRequestsServedByTarget).toBeGreaterThan(0);
  expect(fn.summary!.detected).toBe('before-full-shift');
  expect(fn.alarms.some((a) => a.state === 'ALARM')).toBe(true);
  expect(run.table).toBe('[]');
}, 60_000);

it('a version that breaks the journey fails PostTraffic and is rolled back from 100 %', async () => {
  const run = await rehearseCandidate(listHidesJourneyCompanies, { pace: QUICK });
  const fn = only(run, 'ListCompaniesFunction');
  expect(fn).toMatchObject({ outcome: 'RolledBack', reason: 'PostTraffic hook reported Failed' });
  expect(fn.aliasAfter).toEqual({ functionVersion: fn.currentVersion, additionalVersionWeights: {} });
  expect(hookStatuses(fn)).toEqual(['PreTraffic:Succeeded', 'PostTraffic:Failed']);
  expect(weights(fn)).toEqual([0.1, 1, 0]);
  expect(run.table).toBe('[]');
}, 60_000);

it('a good version goes to 100 %; a second run with no change deploys nothing', async () => {
  const run = await rehearseCandidate(goodGetCompany, { pace: QUICK });
  const fn = only(run, 'GetCompanyFunction');
  expect(run.report.outcome).toBe('Deployed');
  expect(fn.outcome).toBe('Succeeded');
  expect(fn.aliasAfter).toEqual({ functionVersion: fn.targetVersion, additionalVersionWeights: {} });
  expect(hookStatuses(fn)).toEqual(['PreTraffic:Succeeded', 'PostTraffic:Succeeded']);
  expect(fn.summary!.requestsServedByTarget).toBeGreaterThan(0);
  expect(fn.summary!.failedRequestsServedByTarget).toBe(0);
  expect(fn.summary!.detected).toBe('not-detected');
  expect(fn.alarms.filter((a) => a.state === 'ALARM')).toEqual([]);
  expect(run.table).toBe('[]');

  const again = await rehearseCandidate(goodGetCompany, { pace: QUICK, over: 'last deployed' });
  expect(again.report.outcome).toBe('NothingToDeploy');
  expect(again.report.functions.every((f) => f.outcome === 'Unchanged')).toBe(true);
}, 90_000);
