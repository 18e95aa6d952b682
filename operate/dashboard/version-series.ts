import { type CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { CanaryFunction } from '../stack';
import { versionQueries } from '../version-figures';

/**
 * Each version's figures minute by minute, for the dashboard's charts: the same metrics of Lambda's as
 * `status` totals (../version-figures.ts), AWS/Lambda by FunctionName, Resource `<function>:<alias>` and
 * ExecutedVersion, read as series. A minute with no data point is one with no invocation of that version
 * (Lambda publishes nothing then), so it has no requests and no error share or p99 to draw.
 */
export interface VersionSeries {
  version: string;
  minutes: MinuteFigures[];
}

export interface MinuteFigures {
  /** The minute's start, ISO 8601. */
  at: string;
  requests: number;
  errorShare?: number;
  p99Ms?: number;
}

export async function versionSeries(cloudwatch: CloudWatchClient, fn: CanaryFunction, versions: string[], from: Date, to: Date): Promise<VersionSeries[]> {
  if (versions.length === 0) return [];
  const queries = versionQueries(fn, versions);
  // Query id → minute start (epoch ms) → value.
  const points = new Map<string, Map<number, number>>();
  let NextToken: string | undefined;
  do {
    const page = await cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: from, EndTime: to, NextToken }));
    for (const result of page.MetricDataResults ?? []) {
      const byMinute = points.get(result.Id!) ?? new Map<number, number>();
      (result.Timestamps ?? []).forEach((at, j) => byMinute.set(at.getTime(), result.Values![j]!));
      points.set(result.Id!, byMinute);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return versions.map((version, i) => {
    const invocations = points.get(`invocations${i}`) ?? new Map<number, number>();
    const minutes = [...invocations.keys()].sort((a, b) => a - b).map((at): MinuteFigures => {
      const requests = invocations.get(at)!;
      const errors = points.get(`errors${i}`)?.get(at);
      return {
        at: new Date(at).toISOString(),
        requests,
        errorShare: requests > 0 ? (errors ?? 0) / requests : undefined,
        p99Ms: points.get(`p99${i}`)?.get(at),
      };
    });
    return { version, minutes };
  });
}
