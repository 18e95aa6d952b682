import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Rehearsal, rehearse } from '../../local/deploy/rehearsal';
import { alarmTiming } from '../../local/services/cloudwatch/aws-timing';
import { ROOT } from '../../local/template/cloudformation';
import { copySource, removeCandidates, type SourceChange } from './candidates';
import { documentClient, dynamoEndpoint, tableSnapshot, uniqueTableName } from './local-parts';

/**
 * Whole deployments rehearsed on candidates, for tests: each in a stage of its own on its own table, under
 * traffic, with AWS's alarm timing unless a test says otherwise; what is left in the table afterwards comes
 * back with the report.
 */

/** AWS's own pace: real time, and the default 20 requests per AWS second of `npm run deploy:local`. */
export const AT_AWS_PACE = { timeScale: 1, trafficRps: 20 };
/**
 * Where the verdict rests on the canary's statistics: 23 requests per AWS second, 20 of them to the function
 * deployed (its canary gets 2), at 5× speed: 115 requests a second, which a 2-core machine serves.
 */
export const AS_ON_AWS = { timeScale: 5, trafficRps: 23 };
/** Where hooks decide: 15× speed (a 1-minute canary bakes 4 s) and light traffic. */
export const QUICK = { timeScale: 15, trafficRps: 4 };

export interface CandidateOptions {
  pace: typeof AS_ON_AWS;
  /** Deployed over the working tree's code (default), or over what the last rehearsal of this suite deployed. */
  over?: 'working tree' | 'last deployed';
  timing?: 'aws' | 'instant';
  dynamoEndpoint?: string;
  parameterOverrides?: Record<string, string>;
}

/** Installs a fresh state folder around each test of the suite, and answers the suite's rehearse function. */
export function candidateRehearsals() {
  let stateDir: string;
  beforeEach(() => (stateDir = mkdtempSync(join(tmpdir(), 'company-canary-deployed-'))));
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));
  afterAll(removeCandidates);

  /** Deploys a changed copy of the code over the working tree's code, or over what was deployed last. */
  return async function rehearseCandidate(changes: SourceChange | SourceChange[], options: CandidateOptions): Promise<Rehearsal & { table: string }> {
    const tableName = uniqueTableName('rehearsal');
    const result = await rehearse({
      sourceRoot: copySource([changes].flat()),
      from: (options.over ?? 'working tree') === 'working tree' ? { folder: ROOT } : undefined,
      stateDir,
      reportsDir: join(stateDir, 'reports'),
      ...options.pace,
      alarmTiming: alarmTiming({ mode: options.timing ?? 'aws' }),
      dynamoEndpoint: options.dynamoEndpoint ?? dynamoEndpoint(),
      tableName,
      parameterOverrides: options.parameterOverrides,
    });
    return { ...result, table: await tableSnapshot(documentClient(), tableName) };
  };
}

export type Deployed = Rehearsal['report']['functions'][number];

/** The one function a rehearsal deployed, failing the test if it deployed another or more. */
export const only = (run: Rehearsal, logicalId: string): Deployed => {
  const deployed = run.report.functions.filter((f) => f.outcome !== 'Unchanged');
  expect(deployed.map((f) => f.logicalId)).toEqual([logicalId]);
  return deployed[0]!;
};

export const deployedNamed = (run: Rehearsal, logicalId: string): Deployed => run.report.functions.find((f) => f.logicalId === logicalId)!;
export const hookStatuses = (fn: Deployed) => fn.hooks.map((h) => `${h.hook}:${h.status}`);
export const weights = (fn: Deployed) => fn.timeline.flatMap((e) => (e.kind === 'weight' ? [e.targetWeight] : []));
export const phases = (fn: Deployed) => fn.timeline.flatMap((e) => (e.kind === 'phase' ? [e.phase] : []));

/**
 * Rolled back while it had only its canary share, so many AWS seconds after the first shift at most: by the
 * stopper or the judge, or by CodeDeploy's own poll when it reads the alarm before the stopper has acted.
 */
export function expectStoppedOnItsCanaryShare(fn: Deployed, withinAwsMs: number) {
  expect(weights(fn)).toEqual([0.1, 0]);
  expect(hookStatuses(fn)).toEqual(['PreTraffic:Succeeded']);
  expect(fn.reason).toMatch(/^stopped on request \(StopDeployment\), rolling back: (the stopper acted on alarm|the canary judge found it worse)|CodeDeploy saw it on its poll$/);
  expect(fn.summary!.detected).toBe('before-full-shift');
  expect(fn.summary!.fullShare.requests).toBe(0);
  expect(fn.summary!.firstShiftToVerdictMs).toBeLessThanOrEqual(withinAwsMs);
  expect(fn.aliasAfter).toEqual({ functionVersion: fn.currentVersion, additionalVersionWeights: {} });
}
