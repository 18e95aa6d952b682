import { ServiceError } from '../aws-json-protocol';
import { type CloudWatchTime, getMetricData } from './get-metric-data';
import type { LocalCloudWatch } from './metrics';

/**
 * What an operator reads of metrics besides GetMetricData: ListMetrics (which metrics exist, filtered by
 * namespace, name and dimensions) and GetMetricStatistics (one metric's statistics per period), answered from
 * the same store and, for the statistics, through GetMetricData's own reading, so both see the same periods.
 */
const PAGE = 500;
const SIMPLE = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];

type Dimension = { Name?: string; Value?: string };
const invalid = (message: string) => new ServiceError('InvalidParameterValueException', message);

export function listMetrics(metrics: LocalCloudWatch, input: Record<string, unknown>) {
  const filters = (input.Dimensions as Dimension[] | undefined) ?? [];
  if (filters.length > 10) throw invalid('Dimensions takes at most 10 filters.');
  const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
  if (!Number.isInteger(start) || start < 0) throw new ServiceError('InvalidNextToken', 'The NextToken is not valid.');
  const matching = metrics
    .identities()
    .filter(
      (m) =>
        (input.Namespace === undefined || m.namespace === input.Namespace) &&
        (input.MetricName === undefined || m.name === input.MetricName) &&
        filters.every((f) => f.Name !== undefined && f.Name in m.dimensions && (f.Value === undefined || m.dimensions[f.Name] === f.Value)),
    )
    .sort((a, b) => `${a.namespace} ${a.name} ${JSON.stringify(a.dimensions)}`.localeCompare(`${b.namespace} ${b.name} ${JSON.stringify(b.dimensions)}`));
  const page = matching.slice(start, start + PAGE).map((m) => ({
    Namespace: m.namespace,
    MetricName: m.name,
    Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })),
  }));
  return { Metrics: page, ...(start + PAGE < matching.length ? { NextToken: String(start + PAGE) } : {}) };
}

export function getMetricStatistics(metrics: LocalCloudWatch, time: CloudWatchTime, input: Record<string, unknown>) {
  const statistics = (input.Statistics as string[] | undefined) ?? [];
  const extended = (input.ExtendedStatistics as string[] | undefined) ?? [];
  if (statistics.length + extended.length === 0) throw new ServiceError('MissingRequiredParameterException', 'Statistics or ExtendedStatistics is required.');
  if (statistics.some((s) => !SIMPLE.includes(s))) throw invalid(`Statistics takes ${SIMPLE.join(', ')}.`);
  if (extended.some((s) => !/^p\d+(\.\d+)?$/.test(s))) throw invalid('ExtendedStatistics takes percentiles such as p99.');
  if (!input.Namespace || !input.MetricName || !input.Period) throw new ServiceError('MissingRequiredParameterException', 'Namespace, MetricName and Period are required.');
  const stats = [...statistics, ...extended];
  const metric = { Namespace: input.Namespace, MetricName: input.MetricName, Dimensions: input.Dimensions };
  const { MetricDataResults } = getMetricData(metrics, time, {
    StartTime: input.StartTime,
    EndTime: input.EndTime,
    ScanBy: 'TimestampAscending',
    MetricDataQueries: stats.map((stat, i) => ({ Id: `s${i}`, MetricStat: { Metric: metric, Period: Number(input.Period), Stat: stat } })),
  });
  const byTime = new Map<number, Record<string, unknown>>();
  MetricDataResults.forEach((result, i) => {
    result.Timestamps.forEach((at, j) => {
      const point = byTime.get(at) ?? { Timestamp: at };
      const stat = stats[i]!;
      if (SIMPLE.includes(stat)) point[stat] = result.Values[j];
      else point.ExtendedStatistics = { ...(point.ExtendedStatistics as object | undefined), [stat]: result.Values[j] };
      byTime.set(at, point);
    });
  });
  return { Label: String(input.MetricName), Datapoints: [...byTime.values()] };
}
