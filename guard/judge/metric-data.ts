import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { VERSION_METRICS } from '../../functions/http/metrics';
import { OUTCOME_METRICS } from '../outcomes/outcome-metrics';
import type { VersionWindows } from './verdict';

/**
 * Both versions' windows from CloudWatch (GetMetricData), per 5-second window (the shortest high-resolution
 * period but one, so that the latency test has enough windows within the canary minute), by FunctionName and
 * ExecutedVersion: requests are Lambda's own count of invocations; failures are what users got as a 5xx, the
 * 5xx answers the handler gave plus the invocations that failed without one (an error outside the handler, an
 * exit, a timeout, memory, a failed init: API Gateway answers those 502); latency is the handler's median.
 * Where Lambda's records are missing (their subscription broken, say), the handler's own count of requests
 * stands in, so the judge sees at least what it saw before them. Only the windows in which the new version was
 * invoked count, for both: the judge compares the versions side by side.
 */
export const WINDOW_SECONDS = 5;

const STATS = [
  ['invocations', OUTCOME_METRICS.namespace, OUTCOME_METRICS.invocations, 'Sum'],
  ['answered', VERSION_METRICS.namespace, VERSION_METRICS.requests, 'Sum'],
  ['answered5xx', VERSION_METRICS.namespace, VERSION_METRICS.serverErrors, 'Sum'],
  ['failedInvocations', OUTCOME_METRICS.namespace, OUTCOME_METRICS.failures, 'Sum'],
  ['latency', VERSION_METRICS.namespace, VERSION_METRICS.latency, 'p50'],
] as const;

export async function versionWindows(
  cloudwatch: CloudWatchClient,
  functionName: string,
  versions: { newer: string; older: string },
  from: Date,
  to: Date,
): Promise<{ newer: VersionWindows; older: VersionWindows }> {
  const queries: MetricDataQuery[] = Object.entries(versions).flatMap(([role, version]) =>
    STATS.map(([name, namespace, metric, stat]) => ({
      Id: `${role}_${name}`,
      MetricStat: {
        Metric: { Namespace: namespace, MetricName: metric, Dimensions: [{ Name: 'FunctionName', Value: functionName }, { Name: 'ExecutedVersion', Value: version }] },
        Period: WINDOW_SECONDS,
        Stat: stat,
      },
    })),
  );
  const values = new Map<string, Map<number, number>>(queries.map((q) => [q.Id!, new Map()]));
  let NextToken: string | undefined;
  do {
    const page = await cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: from, EndTime: to, NextToken }));
    for (const result of page.MetricDataResults ?? []) {
      const series = values.get(result.Id ?? '');
      (result.Timestamps ?? []).forEach((at, i) => series?.set(at.getTime(), result.Values![i]!));
    }
    NextToken = page.NextToken;
  } while (NextToken);
  const seriesOf = (role: string) => Object.fromEntries(STATS.map(([name]) => [name, values.get(`${role}_${name}`)!])) as VersionSeries;
  return judgedWindows(seriesOf('newer'), seriesOf('older'));
}

/** One version's series, each by window start (epoch ms), as GetMetricData answers them. */
export type VersionSeries = Record<(typeof STATS)[number][0], Map<number, number>>;

/**
 * The windows the judge compares: those in which the new version was invoked, by whichever series has
 * arrived (Lambda's records come a little later than the handlers' metrics; a later round sees them).
 */
export function judgedWindows(newer: VersionSeries, older: VersionSeries): { newer: VersionWindows; older: VersionWindows } {
  const value = (series: VersionSeries, name: keyof VersionSeries, at: number) => series[name].get(at) ?? 0;
  const requests = (series: VersionSeries, at: number) => Math.max(value(series, 'invocations', at), value(series, 'answered', at) + value(series, 'failedInvocations', at));
  const stamps = new Set(Object.values(newer).flatMap((series) => [...series.keys()]));
  const windows = [...stamps].filter((at) => requests(newer, at) > 0).sort((a, b) => a - b);
  const of = (series: VersionSeries): VersionWindows => ({
    requests: windows.map((at) => requests(series, at)),
    failures: windows.map((at) => value(series, 'answered5xx', at) + value(series, 'failedInvocations', at)),
    latencyMs: windows.map((at) => series.latency.get(at)),
  });
  return { newer: of(newer), older: of(older) };
}
