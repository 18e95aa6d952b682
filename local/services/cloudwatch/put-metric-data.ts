import { ServiceError } from '../aws-json-protocol';
import type { LocalCloudWatch } from './metrics';

/**
 * CloudWatch's PutMetricData, as far as AWS documents its checks: a namespace of the caller's (not AWS/),
 * 1 to 1,000 datums, each with a name, at most 30 dimensions, one value or a list of values with their
 * counts, a StorageResolution of 1 or 60, and a timestamp no older than two weeks nor more than two hours
 * ahead. https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
 * Statistic sets are refused, saying so: nothing the stack publishes sends one, and the local store keeps
 * datapoints, not the statistics of datapoints it never saw.
 */
interface Datum {
  MetricName?: string;
  Dimensions?: Array<{ Name?: string; Value?: string }>;
  Timestamp?: number;
  Value?: number;
  Values?: number[];
  Counts?: number[];
  StatisticValues?: unknown;
  StorageResolution?: number;
}

const MAX_DATUMS = 1000;
const MAX_DIMENSIONS = 30;
const MAX_VALUES = 150;
const TWO_WEEKS_MS = 14 * 24 * 3600_000;
const TWO_HOURS_MS = 2 * 3600_000;

const invalid = (message: string) => new ServiceError('InvalidParameterValueException', message);

export function putMetricData(metrics: LocalCloudWatch, input: Record<string, unknown>, now = Date.now()): Record<string, never> {
  const namespace = input.Namespace;
  if (typeof namespace !== 'string' || namespace.length === 0) throw new ServiceError('MissingRequiredParameterException', 'The parameter Namespace is required.');
  if (namespace.startsWith('AWS/')) throw invalid('The value AWS/ for parameter Namespace is invalid.');
  const data = input.MetricData as Datum[] | undefined;
  if (!Array.isArray(data) || data.length === 0) throw new ServiceError('MissingRequiredParameterException', 'The parameter MetricData is required.');
  if (data.length > MAX_DATUMS) throw invalid(`The collection MetricData must not have a size greater than ${MAX_DATUMS}.`);
  const points = data.map((datum, i) => {
    const where = `MetricData.member.${i + 1}`;
    if (!datum.MetricName) throw new ServiceError('MissingRequiredParameterException', `The parameter ${where}.MetricName is required.`);
    if (datum.StatisticValues !== undefined) throw invalid(`${where}.StatisticValues: the local CloudWatch keeps datapoints and takes Value or Values, not statistic sets`);
    const dimensions = datum.Dimensions ?? [];
    if (dimensions.length > MAX_DIMENSIONS) throw invalid(`${where}.Dimensions must not have more than ${MAX_DIMENSIONS} members.`);
    if (dimensions.some((d) => !d.Name || d.Value === undefined)) throw invalid(`${where}.Dimensions: every dimension needs a Name and a Value.`);
    const resolution = datum.StorageResolution ?? 60;
    if (resolution !== 1 && resolution !== 60) throw invalid(`The value ${resolution} for parameter ${where}.StorageResolution is invalid: 1 or 60.`);
    const at = datum.Timestamp === undefined ? now : datum.Timestamp * 1000;
    if (!Number.isFinite(at) || at < now - TWO_WEEKS_MS || at > now + TWO_HOURS_MS) throw invalid(`${where}.Timestamp must be within the past two weeks and at most two hours ahead.`);
    const values = datum.Values ?? (datum.Value === undefined ? undefined : [datum.Value]);
    if (!values || values.length === 0) throw new ServiceError('InvalidParameterCombinationException', `${where}: one of Value, Values or StatisticValues is required.`);
    if (datum.Value !== undefined && datum.Values !== undefined) throw new ServiceError('InvalidParameterCombinationException', `${where}: Value and Values cannot go together.`);
    if (values.length > MAX_VALUES) throw invalid(`${where}.Values must not have more than ${MAX_VALUES} members.`);
    const counts = datum.Counts ?? values.map(() => 1);
    if (counts.length !== values.length) throw invalid(`${where}: Counts and Values must be of the same length.`);
    if ([...values, ...counts].some((n) => typeof n !== 'number' || !Number.isFinite(n)) || counts.some((n) => n < 0)) throw invalid(`${where}: values and counts must be finite numbers, counts not negative.`);
    return { name: datum.MetricName, dimensions: Object.fromEntries(dimensions.map((d) => [d.Name!, String(d.Value)])), at, resolution: resolution as 1 | 60, values, counts };
  });
  // Only once every datum is valid: a refused request stores nothing, as on AWS.
  for (const point of points) {
    point.values.forEach((value, i) => {
      const count = point.counts[i]!;
      if (count > 0) metrics.put({ namespace, name: point.name, dimensions: point.dimensions, value, at: point.at, storageResolution: point.resolution, source: 'put-metric-data', count });
    });
  }
  return {};
}
