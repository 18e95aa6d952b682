import { type CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { CanaryFunction } from './stack';

/**
 * What each version did for users of the alias over the last minutes, from Lambda's own metrics (AWS/Lambda,
 * by FunctionName, Resource `<function>:<alias>` and ExecutedVersion), which every function has whatever its
 * code: invocations, the share that failed, and the 99th percentile of duration. Lambda stores them per
 * minute, so these are figures of whole minutes, the current one partly.
 */
export interface VersionFigures {
  version: string;
  requests: number;
  errorShare?: number;
  /** The worst minute's p99 duration, ms. */
  p99Ms?: number;
}

const PERIOD_SECONDS = 60;

/** Per version i: invocations<i>, errors<i> and p99<i>, per minute, of the alias's invocations that ran it. */
export function versionQueries(fn: CanaryFunction, versions: string[]): MetricDataQuery[] {
  const metric = (version: string, name: string) => ({
    Namespace: 'AWS/Lambda',
    MetricName: name,
    Dimensions: [
      { Name: 'FunctionName', Value: fn.functionName },
      { Name: 'Resource', Value: `${fn.functionName}:${fn.alias}` },
      { Name: 'ExecutedVersion', Value: version },
    ],
  });
  return versions.flatMap((version, i) => [
    { Id: `invocations${i}`, MetricStat: { Metric: metric(version, 'Invocations'), Period: PERIOD_SECONDS, Stat: 'Sum' } },
    { Id: `errors${i}`, MetricStat: { Metric: metric(version, 'Errors'), Period: PERIOD_SECONDS, Stat: 'Sum' } },
    { Id: `p99${i}`, MetricStat: { Metric: metric(version, 'Duration'), Period: PERIOD_SECONDS, Stat: 'p99' } },
  ]);
}

export async function versionFigures(cloudwatch: CloudWatchClient, fn: CanaryFunction, versions: string[], minutes: number, now: Date): Promise<VersionFigures[]> {
  if (versions.length === 0) return [];
  const queries = versionQueries(fn, versions);
  const values = new Map<string, number[]>();
  let NextToken: string | undefined;
  do {
    const page = await cloudwatch.send(
      new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(now.getTime() - minutes * 60_000), EndTime: now, NextToken }),
    );
    for (const result of page.MetricDataResults ?? []) values.set(result.Id!, [...(values.get(result.Id!) ?? []), ...(result.Values ?? [])]);
    NextToken = page.NextToken;
  } while (NextToken);
  const sum = (id: string) => (values.get(id) ?? []).reduce((a, b) => a + b, 0);
  return versions.map((version, i) => {
    const requests = sum(`invocations${i}`);
    const p99s = values.get(`p99${i}`) ?? [];
    return { version, requests, errorShare: requests > 0 ? sum(`errors${i}`) / requests : undefined, p99Ms: p99s.length > 0 ? Math.max(...p99s) : undefined };
  });
}
