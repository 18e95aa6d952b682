import type { AccessLogEntry } from '../services/api-gateway/api-server';
import type { InvocationRecord } from '../services/cloudwatch/metrics';
import type { DeploymentSummary, FunctionReport, ServedCount, TrafficSample } from './report';

/** What a rehearsal's report says of each function, from the API's access log, the invocations and the timeline. */

/** Requests and 5xx answers per version of each function, from the API's access log. */
export type VersionCounts = Record<string, Record<string, { requests: number; errors: number }>>;

export function countByVersion(access: AccessLogEntry[]): VersionCounts {
  const counts: VersionCounts = {};
  for (const entry of access) {
    if (!entry.functionName || !entry.executedVersion) continue;
    const byVersion = (counts[entry.functionName] ??= {});
    const count = (byVersion[entry.executedVersion] ??= { requests: 0, errors: 0 });
    count.requests++;
    if (entry.status >= 500) count.errors++;
  }
  return counts;
}

/**
 * Adds the summary; and to the timeline the first failure a user saw from the new version, and the first of
 * each kind of failed invocation (by Lambda's error type).
 */
export function summarise(report: FunctionReport, access: AccessLogEntry[], failures: InvocationRecord[], timeScale: number): void {
  const at = (kind: string, test: (event: FunctionReport['timeline'][number]) => boolean = () => true) =>
    report.timeline.find((event) => event.kind === kind && test(event))?.at;
  const firstShift = at('weight', (e) => e.kind === 'weight' && e.targetWeight > 0);
  const fullShift = at('weight', (e) => e.kind === 'weight' && e.targetWeight >= 1);
  const verdict = at('verdict') ?? Infinity;
  // Requests that reached the new version before the verdict, answered just before it or just after.
  const served = access.filter((e) => e.functionName === report.functionName && e.executedVersion === report.targetVersion && e.at - e.latencyMs <= verdict);
  const count = (entries: AccessLogEntry[]): ServedCount => ({ requests: entries.length, failed: entries.filter((e) => e.status >= 500).length });
  const firstFailure = served.find((e) => e.status >= 500)?.at;
  const alarm = report.alarms.find((a) => a.state === 'ALARM');
  const judged = report.timeline.find((e) => e.kind === 'rollback' && e.reason.includes('canary judge'))?.at;
  const detection = [alarm && { at: alarm.at, by: alarm.alarm }, judged !== undefined && { at: judged, by: 'canary judge' }]
    .filter((d): d is { at: number; by: string } => Boolean(d))
    .sort((a, b) => a.at - b.at)[0];
  const since = (instant: number | undefined) => (firstShift !== undefined && instant !== undefined && Number.isFinite(instant) ? (instant - firstShift) * timeScale : undefined);
  const failed = failures.filter((f) => f.functionName === report.functionName && f.executedVersion === report.targetVersion && f.at <= verdict);
  const failuresByType: DeploymentSummary['failuresByType'] = {};
  const firstOfType = new Map<string, number>();
  for (const failure of failed) {
    const type = failure.errorType ?? 'unknown';
    const ended = failure.at + failure.durationMs;
    const byType = (failuresByType[type] ??= { canaryShare: 0, fullShare: 0 });
    if (fullShift === undefined || failure.at < fullShift) byType.canaryShare++;
    else byType.fullShare++;
    if (ended < (firstOfType.get(type) ?? Infinity)) firstOfType.set(type, ended);
  }
  const added: FunctionReport['timeline'] = [...firstOfType].map(([errorType, ended]) => ({ at: ended, kind: 'failure-kind' as const, errorType }));
  if (firstFailure !== undefined) added.push({ at: firstFailure, kind: 'first-failure' });
  report.timeline = [...report.timeline, ...added].sort((a, b) => a.at - b.at);
  report.summary = {
    requestsServedByTarget: served.length,
    failedRequestsServedByTarget: count(served).failed,
    canaryShare: count(served.filter((e) => fullShift === undefined || e.at < fullShift)),
    fullShare: count(served.filter((e) => fullShift !== undefined && e.at >= fullShift)),
    firstShiftToVerdictMs: since(verdict),
    firstShiftToFirstFailureMs: since(firstFailure),
    firstShiftToDetectionMs: since(detection?.at),
    detectedBy: detection?.by,
    sightings: sightingsOf(report).map(({ by, at: seen }) => ({ by, afterMs: since(seen) })),
    failuresByType,
    detected:
      detection === undefined
        ? 'not-detected'
        : detection.at > verdict
          ? 'after-deployment-ended'
          : fullShift !== undefined && detection.at >= fullShift
            ? 'after-full-shift'
            : 'before-full-shift',
  };
}

/** Whatever saw trouble, each once, in the order it did: alarms going into ALARM, CodeDeploy's poll, a failed hook, the rollback's cause. */
function sightingsOf(report: FunctionReport): Array<{ by: string; at: number }> {
  const sightings = new Map<string, number>();
  const saw = (by: string, at: number) => sightings.has(by) || sightings.set(by, at);
  for (const transition of report.alarms) if (transition.state === 'ALARM') saw(`alarm ${transition.alarm}`, transition.at);
  for (const event of report.timeline) {
    if (event.kind === 'alarm-seen') saw(`CodeDeploy's poll (${event.alarm})`, event.at);
    if (event.kind === 'rollback') saw(event.reason, event.at);
  }
  for (const hook of report.hooks) if (hook.status !== 'Succeeded') saw(`${hook.hook} hook (${hookFinding(hook.evidence)})`, hook.at);
  return [...sightings].map(([by, at]) => ({ by, at })).sort((a, b) => a.at - b.at);
}

/** What a failed hook found, in a few words: the journey's failing step, the bake's reason, or its own reason. */
function hookFinding(evidence: unknown): string {
  const { evidence: found = {} } = (evidence ?? {}) as { evidence?: Record<string, unknown> };
  const bake = found.bake as { reason?: string; alarms?: string[] } | undefined;
  if (bake?.reason) return `final bake: ${bake.reason}${bake.alarms ? ` (${bake.alarms.join(', ')})` : ''}`;
  if (typeof found.failedStep === 'string') return `journey: ${found.failedStep} answered ${found.httpStatus ?? 'no status'}, ${found.failedPasses} of ${found.passes} passes failed`;
  return typeof found.reason === 'string' ? found.reason : 'failed';
}

export function trafficSamples(access: AccessLogEntry[]): TrafficSample[] {
  const buckets = new Map<string, TrafficSample>();
  for (const entry of access) {
    if (!entry.functionName || !entry.executedVersion) continue;
    const at = Math.floor(entry.at / 1000) * 1000;
    const key = `${at}|${entry.functionName}|${entry.executedVersion}`;
    const sample = buckets.get(key) ?? { at, functionName: entry.functionName, version: entry.executedVersion, requests: 0, errors: 0 };
    sample.requests++;
    if (entry.status >= 500) sample.errors++;
    buckets.set(key, sample);
  }
  return [...buckets.values()].sort((a, b) => a.at - b.at);
}
