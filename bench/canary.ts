/**
 * `npm run bench:canary`: two rehearsed deployments at real time scale (a 1-minute canary) under 20 rps:
 * a version that fails on a share of traffic, and a good one. Prints what the rollback cost and how long a
 * good deployment takes. Measured numbers, not a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rehearse } from '../local/deploy/rehearsal';
import { ROOT } from '../local/template/cloudformation';
import { getCompanyFailsOnTraffic, goodGetCompany } from '../test/support/candidate-patches';
import { copySource, removeCandidates, type SourcePatch } from '../test/support/candidates';

const TRAFFIC_RPS = 20;

async function deploy(label: string, patch: SourcePatch) {
  const stateDir = mkdtempSync(join(tmpdir(), 'company-canary-bench-'));
  try {
    console.log(`\n${label}: deploying at real time scale, ${TRAFFIC_RPS} rps…`);
    const started = Date.now();
    const { report } = await rehearse({
      sourceRoot: copySource([patch]),
      from: { folder: ROOT },
      stateDir,
      reportsDir: join(stateDir, 'reports'),
      trafficRps: TRAFFIC_RPS,
      timeScale: 1,
      onMessage: (line) => console.log(`  ${line}`),
    });
    const fn = report.functions.find((f) => f.outcome !== 'Unchanged')!;
    return { fn, totalMs: Date.now() - started };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function main() {
  const failing = await deploy('a version that fails on reads of traffic companies', getCompanyFailsOnTraffic);
  const healthy = await deploy('a good version', goodGetCompany);
  removeCandidates();
  const s = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
  console.log('\n=== Results ===');
  console.log(`failing version: ${failing.fn.outcome} (${failing.fn.reason})`);
  console.log(`  user requests served by it: ${failing.fn.summary?.requestsServedByTarget}`);
  console.log(`  of them failed before rollback: ${failing.fn.summary?.failedRequestsServedByTarget}`);
  console.log(`  first shift → rollback: ${s(failing.fn.summary?.firstShiftToVerdictMs)}`);
  console.log(`good version: ${healthy.fn.outcome}; whole rehearsal ${s(healthy.totalMs)}, first shift → verdict ${s(healthy.fn.summary?.firstShiftToVerdictMs)}`);
  console.log(`  user requests served by it: ${healthy.fn.summary?.requestsServedByTarget}, failed: ${healthy.fn.summary?.failedRequestsServedByTarget}`);
  console.log(`
How this compares with AWS: locally the alarms are evaluated every 100 ms over a period that slides with
the clock, on metrics recorded the moment an invocation ends, so the first failed request on the new
version trips the alarm within a tick. On AWS the same alarm (1-minute period, 1 datapoint) can only go
into ALARM after its minute closes and CloudWatch has the datapoint (Lambda metrics and EMF logs arrive
seconds to a minute late), and CodeDeploy then notices the alarm on its next check: expect one to two
minutes between the first failure and the rollback, with the canary serving 10 % of traffic meanwhile.`);
}

main().catch((error) => {
  console.error(`bench:canary failed: ${error.message}`);
  process.exit(1);
});
