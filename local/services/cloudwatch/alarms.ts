import type { AwsClock } from './aws-clock';
import { type AlarmTiming, metricDelaySeconds } from './aws-timing';
import { type Expression, parseExpression, type Value } from './metric-math';
import type { LocalCloudWatch } from './metrics';

/** One metric an alarm reads: a CloudWatch MetricStat, named by its id in the alarm's expression. */
export interface MetricStatQuery {
  id: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  statistic: string;
}

/** One CloudWatch alarm as template.yaml defines it, resolved for the version under deployment. */
export interface AlarmSpec {
  logicalId: string;
  /** Its name, as Ref gives it and alarm state-change events carry it. */
  name: string;
  queries: MetricStatQuery[];
  /** What each period compares with the threshold: the one metric's value, or the metric-math expression's. */
  value: Expression;
  /** The expression as written, and its id, for a metric-math alarm. */
  expression?: string;
  expressionId?: string;
  description?: string;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparison: string;
  treatMissingData: string;
}

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmReading {
  state: AlarmState;
  /** The value of each evaluated period, newest first; undefined where the period had no data. */
  values: Array<number | undefined>;
}

const COMPARE: Record<string, (value: number, threshold: number) => boolean> = {
  GreaterThanThreshold: (v, t) => v > t,
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Props = Record<string, any>;

const dimensionsOf = (dimensions: Array<{ Name: string; Value: string }> = []) => Object.fromEntries(dimensions.map((d) => [d.Name, String(d.Value)]));

/**
 * The alarm's queries and value, from a single metric's properties or from a `Metrics` list, which returns
 * either one of its metrics or an expression over them.
 */
function metricsOf(logicalId: string, p: Props): Pick<AlarmSpec, 'queries' | 'value' | 'expression' | 'expressionId' | 'periodSeconds'> {
  if (!p.Metrics) {
    const query = { id: 'm', namespace: p.Namespace, metricName: p.MetricName, dimensions: dimensionsOf(p.Dimensions), statistic: p.ExtendedStatistic ?? p.Statistic };
    return { queries: [query], value: (values) => values.m, periodSeconds: Number(p.Period) };
  }
  const stats = (p.Metrics as Props[]).filter((m) => m.MetricStat);
  const returned = (p.Metrics as Props[]).filter((m) => m.ReturnData !== false);
  if (returned.length !== 1) throw new Error(`${logicalId}: an alarm's Metrics return exactly one of them`);
  const periods = new Set(stats.map((m) => Number(m.MetricStat.Period)));
  if (periods.size !== 1) throw new Error(`${logicalId}: the metrics of a metric-math alarm share one period`);
  const queries = stats.map((m) => ({
    id: String(m.Id),
    namespace: m.MetricStat.Metric.Namespace,
    metricName: m.MetricStat.Metric.MetricName,
    dimensions: dimensionsOf(m.MetricStat.Metric.Dimensions),
    statistic: m.MetricStat.Stat,
  }));
  const periodSeconds = [...periods][0]!;
  if (!returned[0]!.Expression) {
    const id = String(returned[0]!.Id);
    return { queries, value: (values) => values[id], periodSeconds };
  }
  const expression = String(returned[0]!.Expression);
  return { queries, value: parseExpression(expression, queries.map((q) => q.id)), expression, expressionId: String(returned[0]!.Id), periodSeconds };
}

export function alarmSpec(logicalId: string, p: Props, name = logicalId): AlarmSpec {
  return {
    logicalId,
    name,
    description: p.AlarmDescription,
    ...metricsOf(logicalId, p),
    evaluationPeriods: Number(p.EvaluationPeriods),
    datapointsToAlarm: Number(p.DatapointsToAlarm ?? p.EvaluationPeriods),
    threshold: Number(p.Threshold),
    comparison: p.ComparisonOperator,
    treatMissingData: p.TreatMissingData ?? 'missing',
  };
}

function comparator(alarm: AlarmSpec) {
  const compare = COMPARE[alarm.comparison];
  if (!compare) throw new Error(`${alarm.logicalId}: comparison ${alarm.comparison} is not supported locally`);
  return compare;
}

/** The alarm's value over one window of wall-clock time: each metric's statistic, then the expression. */
function valueOver(alarm: AlarmSpec, metrics: LocalCloudWatch, from: number, to: number): Value {
  const values: Record<string, Value> = {};
  for (const query of alarm.queries) {
    values[query.id] = metrics.statistic({ namespace: query.namespace, name: query.metricName, dimensions: query.dimensions, from, to, statistic: query.statistic });
  }
  return alarm.value(values);
}

/**
 * Evaluates an alarm the instant way: over its last `evaluationPeriods` periods, shortened by `timeScale`,
 * sliding with `now` (in steps of the metrics' bucket width), with no delay before data counts. Missing data
 * counts as breaching only for `breaching`; there is no INSUFFICIENT_DATA.
 */
export function evaluateAlarm(alarm: AlarmSpec, metrics: LocalCloudWatch, now: number, timeScale: number): AlarmReading {
  const compare = comparator(alarm);
  const periodMs = (alarm.periodSeconds * 1000) / timeScale;
  const values: Array<number | undefined> = [];
  let breaching = 0;
  for (let i = 0; i < alarm.evaluationPeriods; i++) {
    const value = valueOver(alarm, metrics, now - (i + 1) * periodMs, now - i * periodMs);
    values.push(value);
    if (value === undefined ? alarm.treatMissingData === 'breaching' : compare(value, alarm.threshold)) breaching++;
  }
  return { state: breaching >= alarm.datapointsToAlarm ? 'ALARM' : 'OK', values };
}

/** How late the latest of an alarm's metrics arrives, counted from a period's end. */
export function alarmDelayMs(alarm: AlarmSpec, metrics: LocalCloudWatch, timing: AlarmTiming): number {
  return Math.max(...alarm.queries.map((q) => metricDelaySeconds(metrics.sourceOf({ namespace: q.namespace, name: q.metricName, dimensions: q.dimensions }), timing) * 1000));
}

/**
 * Evaluates an alarm as CloudWatch does at the AWS instant `awsNow`: over the last `evaluationPeriods`
 * periods aligned to period boundaries whose data has arrived (a period's datapoint arrives its metric's
 * delay after the period ends), so the newest periods are left to later evaluations. A period shorter than
 * the storage resolution of a metric it reads has no data for it, as CloudWatch keeps standard-resolution
 * metrics per minute: such an alarm stays INSUFFICIENT_DATA. Missing data is treated as TreatMissingData says: as
 * breaching or not, left out (`missing`: INSUFFICIENT_DATA when nothing is left), or the state kept (`ignore`).
 */
export function evaluateAlarmAt(
  alarm: AlarmSpec,
  metrics: LocalCloudWatch,
  clock: AwsClock,
  timing: AlarmTiming,
  awsNow: number,
  previous: AlarmState,
): AlarmReading {
  const compare = comparator(alarm);
  const periodMs = alarm.periodSeconds * 1000;
  const delayMs = alarmDelayMs(alarm, metrics, timing);
  const unresolvable = alarm.queries.some((q) => alarm.periodSeconds < (metrics.storageResolution({ namespace: q.namespace, name: q.metricName, dimensions: q.dimensions }) ?? 0));
  const newestEnd = Math.floor((awsNow - delayMs) / periodMs) * periodMs;
  const values: Array<number | undefined> = [];
  for (let i = 0; i < alarm.evaluationPeriods; i++) {
    const end = newestEnd - i * periodMs;
    values.push(unresolvable ? undefined : valueOver(alarm, metrics, clock.wall(end - periodMs), clock.wall(end)));
  }
  if (unresolvable) return { state: 'INSUFFICIENT_DATA', values };
  const present = values.filter((v): v is number => v !== undefined);
  const missing = values.length - present.length;
  let breaching = present.filter((v) => compare(v, alarm.threshold)).length;
  let counted = present.length;
  if (alarm.treatMissingData === 'breaching') breaching += missing;
  if (alarm.treatMissingData === 'breaching' || alarm.treatMissingData === 'notBreaching') counted += missing;
  if (counted === 0) return { state: alarm.treatMissingData === 'ignore' ? previous : 'INSUFFICIENT_DATA', values };
  return { state: breaching >= alarm.datapointsToAlarm ? 'ALARM' : 'OK', values };
}
