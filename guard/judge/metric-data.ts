import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { VERSION_METRICS } from '../../functions/http/metrics';
import type { VersionWindows } from './verdict';

/**
 * Both versions' windows from CloudWatch (GetMetricData), as the handlers publish them: requests, 5xx
 * answers and median latency per 5-second window (the shortest high-resolution period but one, so that
 * the latency test has enough windows within the canary minute), by FunctionName and ExecutedVersion. Only
 * the windows in which the new version served requests count, for both: the judge compares the versions
 * side by side.
 */
export const WINDOW_SECONDS = 5;

const STATS = [
  ['requests', VERSION_METRICS.requests, 'Sum'],
  ['failures', VERSION_METRICS.serverErrors, 'Sum'],
  ['latency', VERSION_METRICS.latency, 'p50'],
] as const;

export async function versionWindows(
  cloudwatch: CloudWatchClient,
  functionName: string,
  versions: { newer: string; older: string },
  from: Date,
  to: Date,
): Promise<{ newer: VersionWindows; older: VersionWindows }> {
  const queries: MetricDataQuery[] = Object.entries(versions).flatMap(([role, version]) =>
    STATS.map(([name, metric, stat]) => ({
      Id: `${role}_${name}`,
      MetricStat: {
        Metric: { Namespace: VERSION_METRICS.namespace, MetricName: metric, Dimensions: [{ Name: 'FunctionName', Value: functionName }, { Name: 'ExecutedVersion', Value: version }] },
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
  const windows = [...values.get('newer_requests')!.entries()].filter(([, requests]) => requests > 0).map(([at]) => at).sort((a, b) => a - b);
  const of = (role: string): VersionWindows => ({
    requests: windows.map((at) => values.get(`${role}_requests`)!.get(at) ?? 0),
    failures: windows.map((at) => values.get(`${role}_failures`)!.get(at) ?? 0),
    latencyMs: windows.map((at) => values.get(`${role}_latency`)!.get(at)),
  });
  return { newer: of('newer'), older: of('older') };
}
