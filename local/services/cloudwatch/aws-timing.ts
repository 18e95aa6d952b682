/**
 * How a rehearsal keeps AWS's time (the README's "How the rehearsal keeps time" explains each figure).
 * Every default is a named constant that says where it comes from, or says plainly that it is assumed;
 * `npm run deploy:local` can override each of them.
 */

/**
 * When a period's Lambda metrics (AWS/Lambda: Invocations, Errors, Duration) reach CloudWatch, counted from
 * the end of the period. Lambda docs: "Lambda sends metric data to CloudWatch in 1-minute intervals", so a
 * minute's datapoint can arrive up to a minute after the minute closes. The exact delay is not documented:
 * this upper end of that interval is an assumption.
 */
export const LAMBDA_METRIC_DELAY_SECONDS = 60;

/**
 * When a period's metrics from Embedded Metric Format log lines reach CloudWatch, counted from the end of
 * the period: Lambda hands the log line to CloudWatch Logs, which extracts the metric asynchronously. AWS
 * documents no figure. Its EMF alarm guidance asks high-resolution publishers to flush logs every 5 s or less
 * so that alarms do not see partial data, and Lambda ships its logs as they are written; 5 s is an
 * assumption on that basis (`--emf-metric-delay 10` rehearses a slower day).
 */
export const EMF_METRIC_DELAY_SECONDS = 5;

/**
 * When CloudWatch Logs delivers a log event to a subscribed Lambda function, counted from the event. AWS
 * documents only a "real-time feed" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Subscriptions.html)
 * and publishes no figure; a study guide puts it at "seconds". 5 s, as for EMF, which travels the same way, is
 * an assumption (`--log-subscription-delay` rehearses another).
 */
export const LOG_SUBSCRIPTION_DELAY_SECONDS = 5;

/**
 * When a datapoint sent with PutMetricData can be read by alarms, counted from the call. AWS documents no
 * figure for an existing metric; an AWS re:Post answer speaks of "a few seconds delay for the data to become
 * available to the alarm". 2 s is an assumption (`--put-metric-data-delay`).
 */
export const PUT_METRIC_DATA_DELAY_SECONDS = 2;

/** CloudWatch docs: "For any period of one minute or longer, an alarm is evaluated every minute". */
export const STANDARD_EVALUATION_SECONDS = 60;

/** CloudWatch docs: high-resolution alarms (periods of 10, 20 or 30 s) are evaluated every 10 seconds. */
export const HIGH_RESOLUTION_EVALUATION_SECONDS = 10;

/**
 * How often CodeDeploy reads the deployment group's alarm states. AWS does not document it; reports put it
 * at 60 to 120 s. The lower end is an assumption.
 */
export const CODEDEPLOY_ALARM_POLL_SECONDS = 60;

export interface AlarmTiming {
  /**
   * `aws`: periods aligned to their boundaries, data arriving late, alarms evaluated on CloudWatch's cadence
   * and read by CodeDeploy on its poll. `instant`: every 100 ms over a sliding window on data recorded when
   * an invocation ends, and a rollback at the first ALARM (quick to iterate, kind to the design).
   */
  mode: 'aws' | 'instant';
  lambdaMetricDelaySeconds: number;
  emfMetricDelaySeconds: number;
  logSubscriptionDelaySeconds: number;
  putMetricDataDelaySeconds: number;
  alarmPollSeconds: number;
}

export const AWS_TIMING: AlarmTiming = {
  mode: 'aws',
  lambdaMetricDelaySeconds: LAMBDA_METRIC_DELAY_SECONDS,
  emfMetricDelaySeconds: EMF_METRIC_DELAY_SECONDS,
  logSubscriptionDelaySeconds: LOG_SUBSCRIPTION_DELAY_SECONDS,
  putMetricDataDelaySeconds: PUT_METRIC_DATA_DELAY_SECONDS,
  alarmPollSeconds: CODEDEPLOY_ALARM_POLL_SECONDS,
};

/** How a metric reached CloudWatch: Lambda's own, from an EMF log line, or through PutMetricData. */
export type MetricSource = 'lambda' | 'emf' | 'put-metric-data';

/**
 * How late a period's data arrives, counted from the period's end. The stack's one PutMetricData publisher
 * (InvocationOutcomesFunction) sends what a log subscription delivered to it, so its data is late by both.
 * A metric with no data yet has no delay to wait for.
 */
export function metricDelaySeconds(source: MetricSource | undefined, timing: AlarmTiming): number {
  switch (source) {
    case 'lambda':
      return timing.lambdaMetricDelaySeconds;
    case 'emf':
      return timing.emfMetricDelaySeconds;
    case 'put-metric-data':
      return timing.logSubscriptionDelaySeconds + timing.putMetricDataDelaySeconds;
    case undefined:
      return 0;
  }
}

/** How often CloudWatch evaluates an alarm of this period. */
export const evaluationEverySeconds = (periodSeconds: number) =>
  periodSeconds < 60 ? HIGH_RESOLUTION_EVALUATION_SECONDS : STANDARD_EVALUATION_SECONDS;

/** AWS timing with the given figures instead of the defaults; refuses what no clock could keep. */
export function alarmTiming(overrides: Partial<Record<keyof AlarmTiming, unknown>> = {}): AlarmTiming {
  const mode = overrides.mode ?? AWS_TIMING.mode;
  if (mode !== 'aws' && mode !== 'instant') throw new Error(`alarm timing is aws or instant, not ${String(mode)}`);
  const seconds = (name: Exclude<keyof AlarmTiming, 'mode'>, least: number) => {
    const value = Number(overrides[name] ?? AWS_TIMING[name]);
    if (!Number.isFinite(value) || value < least) throw new Error(`${name} must be a number of seconds, at least ${least}`);
    return value;
  };
  return {
    mode,
    lambdaMetricDelaySeconds: seconds('lambdaMetricDelaySeconds', 0),
    emfMetricDelaySeconds: seconds('emfMetricDelaySeconds', 0),
    logSubscriptionDelaySeconds: seconds('logSubscriptionDelaySeconds', 0),
    putMetricDataDelaySeconds: seconds('putMetricDataDelaySeconds', 0),
    alarmPollSeconds: seconds('alarmPollSeconds', 1),
  };
}
