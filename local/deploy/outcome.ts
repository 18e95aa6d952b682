import type { DeploymentSummary, FunctionReport } from './report';

const DETECTED: Record<DeploymentSummary['detected'], string> = {
  'before-full-shift': 'while it had only its canary share',
  'after-full-shift': 'only after it had all traffic',
  'after-deployment-ended': 'only after the deployment had ended, too late to roll back',
  'not-detected': 'by no alarm and no judge',
};

const at = (ms: number | undefined) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`);

/** A function's outcome in a few lines for the terminal, durations in AWS seconds from the first shift. */
export function describeFunction(fn: FunctionReport): string[] {
  const lines = [`${fn.logicalId}: ${fn.outcome}${fn.reason ? ` (${fn.reason})` : ''}`];
  const s = fn.summary;
  if (!s) return lines;
  lines.push(
    `new version served ${s.canaryShare.requests} requests on its canary share (${s.canaryShare.failed} failed) and ${s.fullShare.requests} with all traffic (${s.fullShare.failed} failed)`,
    `from the first shift: first failure ${at(s.firstShiftToFirstFailureMs)}, first seen ${at(s.firstShiftToDetectionMs)}${s.detectedBy ? ` (${s.detectedBy})` : ''}, verdict ${at(s.firstShiftToVerdictMs)}; detected ${DETECTED[s.detected]}`,
  );
  const failures = Object.entries(s.failuresByType);
  if (failures.length > 0) lines.push(`failed invocations by Lambda's error type (canary share / all traffic): ${failures.map(([type, n]) => `${type} ${n.canaryShare}/${n.fullShare}`).join(', ')}`);
  for (const sighting of s.sightings) lines.push(`  seen ${sighting.afterMs === undefined ? 'before any shift' : `at ${at(sighting.afterMs)}`}: ${sighting.by}`);
  return lines;
}
