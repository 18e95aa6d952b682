import { watchAlarms } from '../local/deploy/alarm-watch';
import { alarmSpec, type AlarmSpec, type AlarmState, evaluateAlarmAt } from '../local/services/cloudwatch/alarms';
import { AwsClock } from '../local/services/cloudwatch/aws-clock';
import { alarmTiming } from '../local/services/cloudwatch/aws-timing';
import { LocalCloudWatch } from '../local/services/cloudwatch/metrics';

/**
 * The rehearsal's model of CloudWatch's clock, on data placed by hand: periods aligned to their boundaries,
 * data arriving late, evaluation on CloudWatch's cadence, M out of N, missing data, resolution, metric math.
 */

/** A UTC minute boundary, so that AWS periods start where the tests say. */
const T0 = 1_800_000_000_000;
const MINUTE = 60_000;
const timing = alarmTiming();

function stage(timeScale = 1) {
  const now = { wall: T0 };
  const metrics = new LocalCloudWatch({ now: () => now.wall });
  const clock = new AwsClock(timeScale, T0);
  return { now, metrics, clock };
}

const fn = { FunctionName: 'GetCompanyFunction', ExecutedVersion: '2' };
const lambdaErrors = (metrics: LocalCloudWatch, at: number, value = 1) => metrics.put({ namespace: 'AWS/Lambda', name: 'Errors', dimensions: fn, value, at });
const emf = (metrics: LocalCloudWatch, name: string, at: number, storageResolution: 1 | 60 = 1, value = 1) =>
  metrics.put({ namespace: 'CompanyCanary', name, dimensions: fn, value, at, storageResolution });

const dimensions = Object.entries(fn).map(([Name, Value]) => ({ Name, Value }));
const errorsAlarm = (overrides: Record<string, unknown> = {}): AlarmSpec =>
  alarmSpec('ErrorsAlarm', {
    Namespace: 'AWS/Lambda',
    MetricName: 'Errors',
    Dimensions: dimensions,
    Statistic: 'Sum',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
    ...overrides,
  });
const evaluate = (alarm: AlarmSpec, s: ReturnType<typeof stage>, awsNow: number, previous: AlarmState = 'INSUFFICIENT_DATA') => {
  s.now.wall = s.clock.wall(awsNow);
  return evaluateAlarmAt(alarm, s.metrics, s.clock, timing, awsNow, previous);
};

describe('periods, delays and cadence', () => {
  it('aggregates a period aligned to the minute, visible only once its data has arrived', () => {
    const s = stage();
    lambdaErrors(s.metrics, T0 + 5_000);
    lambdaErrors(s.metrics, T0 + 59_000);
    lambdaErrors(s.metrics, T0 + 61_000);
    // At the end of the minute its data is still on its way (60 s for Lambda's metrics): nothing to see yet.
    expect(evaluate(errorsAlarm(), s, T0 + MINUTE)).toEqual({ state: 'OK', values: [undefined] });
    // A minute later the aligned minute [T0, T0+60 s) is in: two errors, not the one just after it.
    expect(evaluate(errorsAlarm(), s, T0 + 2 * MINUTE)).toEqual({ state: 'ALARM', values: [2] });
    expect(evaluate(errorsAlarm({ TreatMissingData: 'missing' }), s, T0 + MINUTE).state).toBe('INSUFFICIENT_DATA');
  });

  it('reads EMF data its own, shorter delay after a 10 s high-resolution period ends', () => {
    const s = stage();
    const alarm = alarmSpec('Http5xxAlarm', {
      Namespace: 'CompanyCanary',
      MetricName: 'Http5xx',
      Dimensions: dimensions,
      Statistic: 'Sum',
      Period: 10,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    emf(s.metrics, 'Http5xx', T0 + 3_000);
    expect(evaluate(alarm, s, T0 + 10_000).values).toEqual([undefined]);
    expect(evaluate(alarm, s, T0 + 20_000)).toEqual({ state: 'ALARM', values: [1] });
    expect(evaluate(alarm, s, T0 + 30_000)).toEqual({ state: 'OK', values: [undefined] });
  });

  it('evaluates standard alarms each minute and high-resolution ones each 10 s, on their boundaries, in AWS time', () => {
    const s = stage(30);
    const highResolution = alarmSpec('FastAlarm', {
      Metrics: [{ Id: 'e', MetricStat: { Metric: { Namespace: 'CompanyCanary', MetricName: 'Http5xx', Dimensions: dimensions }, Period: 10, Stat: 'Sum' }, ReturnData: true }],
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    const watch = watchAlarms([errorsAlarm(), highResolution], s.metrics, s.clock, timing, T0);
    const aws = (ms: number) => s.clock.wall(T0 + ms);
    const tick = (awsMs: number) => {
      s.now.wall = aws(awsMs);
      return watch.tick(aws(awsMs)).map((t) => [t.alarm, t.state, (s.clock.aws(t.at) - T0) / 1000]);
    };
    expect(tick(9_000)).toEqual([]);
    // The first evaluations come at the first boundary of each cadence: 10 s, then the minute.
    expect(tick(10_000)).toEqual([['FastAlarm', 'OK', 10]]);
    emf(s.metrics, 'Http5xx', aws(12_000));
    lambdaErrors(s.metrics, aws(12_000));
    expect(tick(25_000)).toEqual([]);
    // Period [10 s, 20 s) arrives 10 s after it ends and is evaluated at 30 s.
    expect(tick(30_000)).toEqual([['FastAlarm', 'ALARM', 30]]);
    expect(tick(60_000)).toEqual([['FastAlarm', 'OK', 40], ['ErrorsAlarm', 'OK', 60]]);
    expect(tick(119_000)).toEqual([]);
    expect(tick(120_000)).toEqual([['ErrorsAlarm', 'ALARM', 120]]);
    // Everything this tick's data holds is judged once the longest period, delay and cadence have passed.
    expect(watch.settleAwsMs()).toBe(180_000);
  });
});

describe('how many periods breach, and missing data', () => {
  function threeMinutes(breaching: boolean[]) {
    const s = stage();
    breaching.forEach((breach, i) => lambdaErrors(s.metrics, T0 + i * MINUTE + 1_000, breach ? 1 : 0));
    return s;
  }
  const mOfN = (treat: string) => errorsAlarm({ EvaluationPeriods: 3, DatapointsToAlarm: 2, TreatMissingData: treat });
  // Evaluated at minute 4: the three minutes before the newest (still on its way) are 0, 1 and 2.
  const at = T0 + 4 * MINUTE;

  it('goes into ALARM when M of the last N periods breach, wherever they are', () => {
    expect(evaluate(mOfN('notBreaching'), threeMinutes([true, false, true]), at)).toEqual({ state: 'ALARM', values: [1, 0, 1] });
    expect(evaluate(mOfN('notBreaching'), threeMinutes([false, false, true]), at)).toEqual({ state: 'OK', values: [1, 0, 0] });
  });

  it('treats missing periods as TreatMissingData says', () => {
    const s = stage();
    lambdaErrors(s.metrics, T0 + 2 * MINUTE + 1_000);
    expect(evaluate(mOfN('notBreaching'), s, at)).toEqual({ state: 'OK', values: [1, undefined, undefined] });
    expect(evaluate(mOfN('breaching'), s, at).state).toBe('ALARM');
    expect(evaluate(mOfN('missing'), s, at).state).toBe('OK');
    const empty = stage();
    expect(evaluate(mOfN('missing'), empty, at).state).toBe('INSUFFICIENT_DATA');
    expect(evaluate(mOfN('ignore'), empty, at, 'ALARM').state).toBe('ALARM');
    expect(evaluate(mOfN('ignore'), empty, at, 'OK').state).toBe('OK');
    expect(evaluate(mOfN('notBreaching'), empty, at).state).toBe('OK');
  });
});

describe('resolution and metric math', () => {
  const rate = (period: number) =>
    alarmSpec('Http5xxRateAlarm', {
      Metrics: [
        { Id: 'requests', MetricStat: { Metric: { Namespace: 'CompanyCanary', MetricName: 'Requests', Dimensions: dimensions }, Period: period, Stat: 'Sum' }, ReturnData: false },
        { Id: 'errors', MetricStat: { Metric: { Namespace: 'CompanyCanary', MetricName: 'Http5xx', Dimensions: dimensions }, Period: period, Stat: 'Sum' }, ReturnData: false },
        { Id: 'rate', Expression: 'IF(requests >= 10, 100 * FILL(errors, 0) / requests, 0)', ReturnData: true },
      ],
      EvaluationPeriods: 1,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });

  it('a sub-minute alarm on a metric kept at standard resolution never gets data', () => {
    const s = stage();
    for (let i = 0; i < 20; i++) emf(s.metrics, 'Requests', T0 + 1_000 + i * 100, 60);
    for (let i = 0; i < 5; i++) emf(s.metrics, 'Http5xx', T0 + 1_000 + i * 100, 60);
    expect(evaluate(rate(10), s, T0 + 20_000)).toEqual({ state: 'INSUFFICIENT_DATA', values: [undefined] });
    // The same data read per minute, as CloudWatch keeps it, gives the rate.
    expect(evaluate(rate(60), s, T0 + 2 * MINUTE)).toEqual({ state: 'ALARM', values: [25] });
  });

  it('computes a metric-math rate per period, with its minimum number of requests', () => {
    const s = stage();
    for (let i = 0; i < 20; i++) emf(s.metrics, 'Requests', T0 + 1_000 + i * 100);
    emf(s.metrics, 'Http5xx', T0 + 1_500);
    for (let i = 0; i < 4; i++) emf(s.metrics, 'Requests', T0 + 11_000 + i * 100);
    emf(s.metrics, 'Http5xx', T0 + 11_500);
    expect(evaluate(rate(10), s, T0 + 20_000)).toEqual({ state: 'OK', values: [5] });
    // One failure in four requests is 25 %, but four requests are too few to judge: the rate reads 0.
    expect(evaluate(rate(10), s, T0 + 30_000)).toEqual({ state: 'OK', values: [0] });
    // No failures recorded at all still gives a rate: FILL makes the missing errors 0.
    for (let i = 0; i < 12; i++) emf(s.metrics, 'Requests', T0 + 21_000 + i * 100);
    expect(evaluate(rate(10), s, T0 + 40_000)).toEqual({ state: 'OK', values: [0] });
  });
});
