import type { LocalCloudWatch } from './metrics';

/** One CloudWatch alarm as template.yaml defines it, resolved for the version under deployment. */
export interface AlarmSpec {
  logicalId: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  statistic: string;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparison: string;
  treatMissingData: string;
}

export interface AlarmReading {
  state: 'OK' | 'ALARM';
  /** The statistic of each evaluated period, newest first; undefined where the period had no data. */
  values: Array<number | undefined>;
}

const COMPARE: Record<string, (value: number, threshold: number) => boolean> = {
  GreaterThanThreshold: (v, t) => v > t,
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function alarmSpec(logicalId: string, p: Record<string, any>): AlarmSpec {
  return {
    logicalId,
    namespace: p.Namespace,
    metricName: p.MetricName,
    dimensions: Object.fromEntries((p.Dimensions ?? []).map((d: { Name: string; Value: string }) => [d.Name, String(d.Value)])),
    statistic: p.ExtendedStatistic ?? p.Statistic,
    periodSeconds: Number(p.Period),
    evaluationPeriods: Number(p.EvaluationPeriods),
    datapointsToAlarm: Number(p.DatapointsToAlarm ?? p.EvaluationPeriods),
    threshold: Number(p.Threshold),
    comparison: p.ComparisonOperator,
    treatMissingData: p.TreatMissingData ?? 'missing',
  };
}

/**
 * Evaluates an alarm as CloudWatch does over its last `evaluationPeriods` periods, with periods shortened
 * by `timeScale`. Unlike CloudWatch, the periods slide with `now` instead of aligning to the minute (in
 * steps of the metrics' bucket width), and there is no delay before a period's data is evaluated. Each
 * period reads only its own buckets, so the cost does not grow with the stage's age.
 */
export function evaluateAlarm(alarm: AlarmSpec, metrics: LocalCloudWatch, now: number, timeScale: number): AlarmReading {
  const compare = COMPARE[alarm.comparison];
  if (!compare) throw new Error(`${alarm.logicalId}: comparison ${alarm.comparison} is not supported locally`);
  const periodMs = (alarm.periodSeconds * 1000) / timeScale;
  const values: Array<number | undefined> = [];
  let breaching = 0;
  for (let i = 0; i < alarm.evaluationPeriods; i++) {
    const value = metrics.statistic({
      namespace: alarm.namespace,
      name: alarm.metricName,
      dimensions: alarm.dimensions,
      from: now - (i + 1) * periodMs,
      to: now - i * periodMs,
      statistic: alarm.statistic,
    });
    values.push(value);
    if (value === undefined ? alarm.treatMissingData === 'breaching' : compare(value, alarm.threshold)) breaching++;
  }
  return { state: breaching >= alarm.datapointsToAlarm ? 'ALARM' : 'OK', values };
}
