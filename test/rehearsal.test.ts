import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Rehearsal, rehearse } from '../local/deploy/rehearsal';
import { ROOT } from '../local/template/cloudformation';
import { alarmTiming } from '../local/services/cloudwatch/aws-timing';
import {
  getCompanyFailsOnTraffic,
  getCompanyFailsOneInFive,
  getCompanyFindsAnything,
  goodGetCompany,
  listHidesJourneyCompanies,
  slowGetCompany,
} from './support/candidate-patches';
import { copySource, removeCandidates, type SourcePatch } from './support/candidates';
import { documentClient, dynamoEndpoint, tableSnapshot, uniqueTableName } from './support/local-parts';

/**
 * Proof of what rolls back and what does not: whole deployments rehearsed on candidates built from patched
 * copies of the code, under traffic, at 30× speed (a 1-minute canary bakes 2 s), with AWS's alarm timing
 * unless a test says otherwise. Each checks the hook statuses, where the live alias ends up, and that no
 * test data is left in the table.
 */

const TIME_SCALE = 30;
const TRAFFIC_RPS = 50;
let stateDir: string;
beforeEach(() => (stateDir = mkdtempSync(join(tmpdir(), 'company-canary-deployed-'))));
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));
afterAll(removeCandidates);

/** Deploys a patched copy of the code over the working tree's code, or over what was deployed last. */
async function rehearseCandidate(
  patch: SourcePatch,
  options: { over?: 'working tree' | 'last deployed'; timing?: 'aws' | 'instant' } = {},
): Promise<Rehearsal & { table: string }> {
  const tableName = uniqueTableName('rehearsal');
  const sourceRoot = copySource([patch]);
  const from = (options.over ?? 'working tree') === 'working tree' ? { folder: ROOT } : undefined;
  const result = await rehearse({
    sourceRoot,
    from,
    stateDir,
    reportsDir: join(stateDir, 'reports'),
    trafficRps: TRAFFIC_RPS,
    timeScale: TIME_SCALE,
    alarmTiming: alarmTiming({ mode: options.timing ?? 'aws' }),
    dynamoEndpoint: dynamoEndpoint(),
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

/**
 * With AWS's timing a 60 s alarm sees a period only after it ends and its data arrives, so trouble that
 * starts in the canary minute is seen after the shift to 100 %: in time for CodeDeploy to roll back only if
 * it polls before the PostTraffic hook ends the deployment.
 */
function expectSeenOnlyAtFullShare(fn: Deployed, alarm: string) {
  expect(weights(fn).slice(0, 2)).toEqual([0.1, 1]);
  expect(hookStatuses(fn)[0]).toBe('PreTraffic:Succeeded');
  const fullShift = fn.timeline.find((e) => e.kind === 'weight' && e.targetWeight === 1)!.at;
  const fired = fn.alarms.find((a) => a.state === 'ALARM')!;
  expect(fired.alarm).toBe(alarm);
  expect(fired.at).toBeGreaterThan(fullShift);
  expect(['after-full-shift', 'after-deployment-ended']).toContain(fn.summary!.detected);
  if (fn.outcome === 'RolledBack') {
    expect(fn.summary!.detected).toBe('after-full-shift');
    expect(fn.reason).toBe(`alarm ${alarm} went into ALARM; CodeDeploy saw it on its poll`);
    expect(fn.timeline.some((e) => e.kind === 'alarm-seen' && e.alarm === alarm)).toBe(true);
    expect(fn.aliasAfter).toEqual({ functionVersion: fn.currentVersion, additionalVersionWeights: {} });
  } else {
    expect(fn.summary!.detected).toBe('after-deployment-ended');
    expect(fn.aliasAfter).toEqual({ functionVersion: fn.targetVersion, additionalVersionWeights: {} });
  }
}

it('a functional bug fails PreTraffic: rolled back before any user request reaches it', async () => {
  const run = await rehearseCandidate(getCompanyFindsAnything);
  const fn = only(run, 'GetCompanyFunction');
  expect(run.report.outcome).toBe('RolledBack');
  expect(fn).toMatchObject({ outcome: 'RolledBack', reason: 'PreTraffic hook reported Failed', aliasAfter: { functionVersion: fn.currentVersion, additionalVersionWeights: {} } });
  expect(hookStatuses(fn)).toEqual(['PreTraffic:Failed']);
  expect(fn.summary?.requestsServedByTarget).toBe(0);
  expect(run.table).toBe('[]');
}, 60_000);

it('at AWS timing, a version failing one read in five is seen only once it has all traffic, and may stay deployed', async () => {
  const run = await rehearseCandidate(getCompanyFailsOneInFive);
  const fn = only(run, 'GetCompanyFunction');
  expectSeenOnlyAtFullShare(fn, 'GetCompanyHttp5xxAlarm');
  expect(fn.summary!.fullShare.failed).toBeGreaterThan(0);
  expect(run.table).toBe('[]');
}, 90_000);

it('with instant alarm timing, failing on a share of traffic trips the error alarm during the 10 % phase', async () => {
  const run = await rehearseCandidate(getCompanyFailsOnTraffic, { timing: 'instant' });
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

it('at AWS timing, a slow version trips the latency alarm only once it has all traffic', async () => {
  const run = await rehearseCandidate(slowGetCompany);
  const fn = only(run, 'GetCompanyFunction');
  expectSeenOnlyAtFullShare(fn, 'GetCompanyLatencyAlarm');
  expect(run.table).toBe('[]');
}, 90_000);

it('a version that breaks the journey fails PostTraffic and is rolled back from 100 %', async () => {
  const run = await rehearseCandidate(listHidesJourneyCompanies);
  const fn = only(run, 'ListCompaniesFunction');
  expect(fn).toMatchObject({ outcome: 'RolledBack', reason: 'PostTraffic hook reported Failed' });
  expect(fn.aliasAfter).toEqual({ functionVersion: fn.currentVersion, additionalVersionWeights: {} });
  expect(hookStatuses(fn)).toEqual(['PreTraffic:Succeeded', 'PostTraffic:Failed']);
  expect(weights(fn)).toEqual([0.1, 1, 0]);
  expect(run.table).toBe('[]');
}, 60_000);

it('a good version goes to 100 %; a second run with no change deploys nothing', async () => {
  const run = await rehearseCandidate(goodGetCompany);
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

  const again = await rehearseCandidate(goodGetCompany, { over: 'last deployed' });
  expect(again.report.outcome).toBe('NothingToDeploy');
  expect(again.report.functions.every((f) => f.outcome === 'Unchanged')).toBe(true);
}, 90_000);
