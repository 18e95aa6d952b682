import { ServiceError } from '../aws-json-protocol';
import type { AwsClock } from './aws-clock';
import { type AlarmTiming, metricDelaySeconds } from './aws-timing';
import type { LocalCloudWatch } from './metrics';

/**
 * GetMetricData, as the canary judge calls it: periods align to their boundaries in the AWS time of the
 * rehearsal under way, and with AWS timing a period is returned only once its data has arrived, as alarms see
 * it. Timestamps come and go as wall-clock time.
 */
export interface CloudWatchTime {
  clock: AwsClock;
  timing: AlarmTiming;
}

interface Query {
  Id?: string;
  MetricStat?: { Metric?: { Namespace?: string; MetricName?: string; Dimensions?: Array<{ Name: string; Value: string }> }; Period?: number; Stat?: string };
  Expression?: string;
  ReturnData?: boolean;
}

const ID = /^[a-z][A-Za-z0-9_]*$/;
const MAX_PERIODS = 100_800;

const invalid = (message: string) => new ServiceError('InvalidParameterValueException', message);

export function getMetricData(metrics: LocalCloudWatch, { clock, timing }: CloudWatchTime, input: Record<string, unknown>) {
  const queries = input.MetricDataQueries as Query[] | undefined;
  if (!Array.isArray(queries) || queries.length === 0 || queries.length > 500) throw invalid('MetricDataQueries takes 1 to 500 queries');
  const [start, end] = [Number(input.StartTime) * 1000, Number(input.EndTime) * 1000];
  if (!(start < end)) throw invalid('StartTime must be before EndTime');
  const awsNow = clock.aws(Date.now());
  const ascending = input.ScanBy === 'TimestampAscending';
  const results = queries.map((query) => {
    const stat = query.MetricStat;
    const metric = stat?.Metric;
    if (!query.Id || !ID.test(query.Id)) throw invalid(`Id ${query.Id} must start with a lower-case letter and hold only letters, digits and _`);
    if (query.Expression !== undefined || !stat || !metric?.Namespace || !metric.MetricName || !stat.Stat || !stat.Period) {
      throw invalid(`query ${query.Id}: the local CloudWatch serves MetricStat queries (Namespace, MetricName, Period, Stat), not expressions`);
    }
    const periodMs = stat.Period * 1000;
    const dimensions = Object.fromEntries((metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));
    const identity = { namespace: metric.Namespace, name: metric.MetricName, dimensions };
    const delayMs = metricDelaySeconds(metrics.sourceOf(identity), timing) * 1000;
    // Data kept at one-minute resolution has no shorter periods.
    const resolvable = stat.Period >= (metrics.storageResolution(identity) ?? 0);
    // A period is there once its data has arrived (AWS timing), or as soon as it has begun (instant).
    const arrived = (at: number) => (timing.mode === 'aws' ? at + periodMs + delayMs <= awsNow : at <= awsNow);
    const first = Math.ceil(clock.aws(start) / periodMs) * periodMs;
    const last = clock.aws(end);
    if ((Math.min(last, awsNow) - first) / periodMs > MAX_PERIODS) throw invalid('the query spans too many periods');
    const timestamps: Date[] = [];
    const values: number[] = [];
    for (let at = first; resolvable && at < last && arrived(at); at += periodMs) {
      const value = metrics.statistic({ ...identity, from: clock.wall(at), to: clock.wall(at + periodMs), statistic: stat.Stat });
      if (value === undefined) continue;
      timestamps.push(new Date(clock.wall(at)));
      values.push(value);
    }
    if (!ascending) {
      timestamps.reverse();
      values.reverse();
    }
    return { Id: query.Id, Label: metric.MetricName, Timestamps: timestamps.map((t) => t.getTime() / 1000), Values: values, StatusCode: 'Complete' };
  });
  return { MetricDataResults: results.filter((_, i) => queries[i]!.ReturnData !== false), Messages: [] };
}
