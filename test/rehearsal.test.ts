import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Rehearsal, rehearse } from '../local/deploy/rehearsal';
import { ROOT } from '../local/template/cloudformation';
import { getCompanyFailsOnTraffic, getCompanyFindsAnything, goodGetCompany, listHidesJourneyCompanies, slowGetCompany } from './support/candidate-patches';
import { copySource, removeCandidates, type SourcePatch } from './support/candidates';
import { documentClient, dynamoEndpoint, tableSnapshot, uniqueTableName } from './support/local-parts';

/**
 * Proof that rollback works: whole deployments rehearsed on candidates built from patched copies of the
 * code, under traffic, at 15× speed (a 1-minute canary bakes 4 s). Each checks the hook statuses, where
 * the live alias ends up, and that no test data is left in the table.
 */

const TIME_SCALE = 15;
const TRAFFIC_RPS = 50;
let stateDir: string;
beforeEach(() => (stateDir = mkdtempSync(join(tmpdir(), 'company-canary-deployed-'))));
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));
afterAll(removeCandidates);

/** Deploys a patched copy of the code over the working tree's code, or over what was deployed last. */
async function rehearseCandidate(patch: SourcePatch, over: 'working tree' | 'last deployed' = 'working tree'): Promise<Rehearsal & { table: string }> {
  const tableName = uniqueTableName('rehearsal');
  const sourceRoot = copySource([patch]);
  const from = over === 'working tree' ? { folder: ROOT } : undefined;
  const result = await rehearse({ sourceRoot, from, stateDir, reportsDir: join(stateDir, 'reports'), trafficRps: TRAFFIC_RPS, timeScale: TIME_SCALE, dynamoEndpoint: dynamoEndpoint(), tableName });
  return { ...result, table: await tableSnapshot(documentClient(), tableName) };
}

const only = (run: Rehearsal, logicalId: string) => {
  const deployed = run.report.functions.filter((f) => f.outcome !== 'Unchanged');
  expect(deployed.map((f) => f.logicalId)).toEqual([logicalId]);
  return deployed[0]!;
};
const hookStatuses = (fn: Rehearsal['report']['functions'][number]) => fn.hooks.map((h) => `${h.hook}:${h.status}`);

it('a functional bug fails PreTraffic: rolled back before any user request reaches it', async () => {
  const run = await rehearseCandidate(getCompanyFindsAnything);
  const fn = only(run, 'GetCompanyFunction');
  expect(run.report.outcome).toBe('RolledBack');
  expect(fn).toMatchObject({ outcome: 'RolledBack', reason: 'PreTraffic hook reported Failed', aliasAfter: { functionVersion: fn.currentVersion, additionalVersionWeights: {} } });
  expect(hookStatuses(fn)).toEqual(['PreTraffic:Failed']);
  expect(fn.summary?.requestsServedByTarget).toBe(0);
  expect(run.table).toBe('[]');
}, 60_000);

it('failing on a share of traffic trips the error alarm during the 10 % phase', async () => {
  const run = await rehearseCandidate(getCompanyFailsOnTraffic);
  const fn = only(run, 'GetCompanyFunction');
  expect(fn).toMatchObject({ outcome: 'RolledBack', aliasAfter: { functionVersion: fn.currentVersion, additionalVersionWeights: {} } });
  expect(fn.reason).toMatch(/alarm GetCompany(Errors|Http5xx)Alarm went into ALARM/);
  expect(hookStatuses(fn)).toEqual(['PreTraffic:Succeeded']);
  const weights = fn.timeline.flatMap((e) => (e.kind === 'weight' ? [e.targetWeight] : []));
  expect(weights).toEqual([0.1, 0]);
  expect(fn.summary!.failedRequestsServedByTarget).toBeGreaterThan(0);
  expect(fn.alarms.some((a) => a.state === 'ALARM')).toBe(true);
  expect(run.table).toBe('[]');
}, 60_000);

it('a slow version trips the latency alarm', async () => {
  const run = await rehearseCandidate(slowGetCompany);
  const fn = only(run, 'GetCompanyFunction');
  expect(fn).toMatchObject({ outcome: 'RolledBack', reason: 'alarm GetCompanyLatencyAlarm went into ALARM' });
  expect(fn.aliasAfter).toEqual({ functionVersion: fn.currentVersion, additionalVersionWeights: {} });
  expect(hookStatuses(fn)).toEqual(['PreTraffic:Succeeded']);
  expect(run.table).toBe('[]');
}, 60_000);

it('a version that breaks the journey fails PostTraffic and is rolled back from 100 %', async () => {
  const run = await rehearseCandidate(listHidesJourneyCompanies);
  const fn = only(run, 'ListCompaniesFunction');
  expect(fn).toMatchObject({ outcome: 'RolledBack', reason: 'PostTraffic hook reported Failed' });
  expect(fn.aliasAfter).toEqual({ functionVersion: fn.currentVersion, additionalVersionWeights: {} });
  expect(hookStatuses(fn)).toEqual(['PreTraffic:Succeeded', 'PostTraffic:Failed']);
  expect(fn.timeline.flatMap((e) => (e.kind === 'weight' ? [e.targetWeight] : []))).toEqual([0.1, 1, 0]);
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
  expect(run.table).toBe('[]');

  const again = await rehearseCandidate(goodGetCompany, 'last deployed');
  expect(again.report.outcome).toBe('NothingToDeploy');
  expect(again.report.functions.every((f) => f.outcome === 'Unchanged')).toBe(true);
}, 90_000);
