import { alarmSpec, type AlarmSpec, evaluateAlarm } from '../local/services/cloudwatch/alarms';
import { DEFAULT_BUCKET_MS, DEFAULT_RETENTION_MS, LocalCloudWatch } from '../local/services/cloudwatch/metrics';

/** The local CloudWatch's metric store, on a clock the tests move by hand. */

const BUCKETS_IN_RETENTION = DEFAULT_RETENTION_MS / DEFAULT_BUCKET_MS + 1;

function storeOnClock(start = 1_000_000) {
  const clock = { now: start };
  const metrics = new LocalCloudWatch({ now: () => clock.now });
  return { clock, metrics };
}

const latency = { namespace: 'AWS/Lambda', name: 'Duration', dimensions: { FunctionName: 'GetCompany' } };
const put = (metrics: LocalCloudWatch, value: number, at: number) => metrics.put({ ...latency, value, at });
const read = (metrics: LocalCloudWatch, statistic: string, from: number, to: number) => metrics.statistic({ ...latency, from, to, statistic });

/** Deterministic, so a failure can be replayed. */
function seededRandom(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

const exactPercentile = (values: number[], percent: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((percent / 100) * sorted.length) - 1)]!;
};

describe('statistics', () => {
  it('Sum, SampleCount, Average, Minimum and Maximum are exact', () => {
    const { clock, metrics } = storeOnClock();
    const values = [12, 3.5, 40, 7, 7, 0, 19.25];
    values.forEach((value, i) => put(metrics, value, clock.now - 30_000 + i * 4_000));
    const over = (statistic: string) => read(metrics, statistic, clock.now - 60_000, clock.now);
    expect(over('Sum')).toBe(88.75);
    expect(over('SampleCount')).toBe(7);
    expect(over('Average')).toBeCloseTo(88.75 / 7, 10);
    expect(over('Minimum')).toBe(0);
    expect(over('Maximum')).toBe(40);
  });

  it('p50, p90 and p99 of a few thousand random durations are within 1 % of the exact values', () => {
    const { clock, metrics } = storeOnClock();
    const random = seededRandom(42);
    // Mostly fast, with a long tail, spread over many buckets of a one-minute window.
    const durations = Array.from({ length: 5_000 }, () => Math.exp(random() * 3) * (random() < 0.05 ? 40 : 4));
    durations.forEach((value, i) => put(metrics, value, clock.now - 60_000 + i * 12));
    for (const percent of [50, 90, 99]) {
      const exact = exactPercentile(durations, percent);
      const sketched = read(metrics, `p${percent}`, clock.now - 60_000, clock.now)!;
      expect(Math.abs(sketched - exact) / exact).toBeLessThanOrEqual(0.01);
    }
    expect(read(metrics, 'p100', clock.now - 60_000, clock.now)).toBe(Math.max(...durations));
  });

  it('a percentile of a window whose values are all equal is that value', () => {
    const { clock, metrics } = storeOnClock();
    for (let i = 0; i < 100; i++) put(metrics, 1, clock.now - 10_000 + i * 10);
    expect(read(metrics, 'p99', clock.now - 60_000, clock.now)).toBe(1);
  });

  it('as CloudWatch, has no percentile over negative values, and rejects statistics it does not know', () => {
    const { clock, metrics } = storeOnClock();
    put(metrics, -5, clock.now - 1_000);
    put(metrics, 5, clock.now - 1_000);
    expect(read(metrics, 'p50', clock.now - 60_000, clock.now)).toBeUndefined();
    expect(read(metrics, 'Sum', clock.now - 60_000, clock.now)).toBe(0);
    expect(() => read(metrics, 'IQM', clock.now - 60_000, clock.now)).toThrow('statistic IQM is not supported locally');
  });
});

describe('windows', () => {
  it('on the bucket grid, [from, to) is exact: a datapoint at from counts, one at to does not', () => {
    const { metrics } = storeOnClock(1_200_000);
    const from = 1_000_000;
    const to = 1_060_000;
    for (const at of [from - 1, from, to - 1, to]) put(metrics, 1, at);
    expect(read(metrics, 'Sum', from, to)).toBe(2);
    expect(read(metrics, 'Sum', to, to + 60_000)).toBe(1);
    expect(read(metrics, 'Sum', from - 60_000, from)).toBe(1);
  });

  it('off the grid, a window holds the buckets that start inside it', () => {
    const { metrics } = storeOnClock(1_200_000);
    const bucket = 1_000_000; // a bucket boundary
    put(metrics, 1, bucket + 10);
    put(metrics, 10, bucket + DEFAULT_BUCKET_MS + 10);
    // The first bucket starts before `from`, the second inside [from, to), though its datapoint is past `to`.
    expect(read(metrics, 'Sum', bucket + 5, bucket + DEFAULT_BUCKET_MS + 5)).toBe(10);
  });

  it('a window with no data, or a metric never recorded, has no statistic', () => {
    const { clock, metrics } = storeOnClock();
    put(metrics, 1, clock.now - 120_000);
    expect(read(metrics, 'Sum', clock.now - 60_000, clock.now)).toBeUndefined();
    expect(metrics.statistic({ ...latency, name: 'Errors', from: clock.now - 60_000, to: clock.now, statistic: 'Sum' })).toBeUndefined();
  });
});

describe('retention', () => {
  it('data older than retention is gone, and datapoints that arrive that old are not taken in', () => {
    const { clock, metrics } = storeOnClock();
    const at = clock.now;
    put(metrics, 7, at);
    clock.now += DEFAULT_RETENTION_MS - 1_000;
    expect(read(metrics, 'Sum', at, at + 1_000)).toBe(7);
    clock.now += 2_000;
    expect(read(metrics, 'Sum', at, at + 1_000)).toBeUndefined();
    put(metrics, 3, at);
    expect(read(metrics, 'Sum', at, at + 1_000)).toBeUndefined();
    expect(metrics.datapointsRecorded).toBe(1);
  });

  it('a million datapoints over an hour of versions fit in series × retention ÷ bucket width', () => {
    const { clock, metrics } = storeOnClock(0);
    const hour = 3_600_000;
    const invocations = Math.ceil(1_000_000 / 9);
    for (let i = 0; i < invocations; i++) {
      clock.now = (i * hour) / invocations;
      // A new version every ten minutes, as rehearsals publish them.
      const executedVersion = String(1 + Math.floor(clock.now / 600_000));
      metrics.recordInvocation({ functionName: 'GetCompany', qualifier: 'live', executedVersion, viaAlias: true, at: clock.now, durationMs: 5 + (i % 50), functionError: false });
    }
    expect(metrics.datapointsRecorded).toBeGreaterThanOrEqual(1_000_000);
    const { series, buckets } = metrics.size();
    // 3 metrics by function, by alias and by the versions not yet idle for a whole retention.
    expect(series).toBeLessThanOrEqual(3 * 4);
    expect(buckets).toBeLessThanOrEqual(series * BUCKETS_IN_RETENTION);
    const firstVersion = { namespace: 'AWS/Lambda', name: 'Invocations', dimensions: { FunctionName: 'GetCompany', Resource: 'GetCompany:live', ExecutedVersion: '1' } };
    expect(metrics.statistic({ ...firstVersion, from: 0, to: hour, statistic: 'Sum' })).toBeUndefined();
  });
});

describe('query cost', () => {
  const alarm: AlarmSpec = alarmSpec('GetCompanyLatencyAlarm', {
    Namespace: 'AWS/Lambda',
    MetricName: 'Duration',
    Dimensions: [{ Name: 'FunctionName', Value: 'GetCompany' }],
    ExtendedStatistic: 'p99',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 100,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
  });

  /** Buckets one evaluation of the alarm visits, after `historyMs` of datapoints every 5 ms. */
  function bucketsOneEvaluationVisits(historyMs: number) {
    const { clock, metrics } = storeOnClock(0);
    for (let at = 0; at < historyMs; at += 5) {
      clock.now = at;
      put(metrics, 20 + (at % 70), at);
    }
    const before = metrics.bucketsVisited;
    expect(evaluateAlarm(alarm, metrics, clock.now, 1).values[0]).toBeGreaterThan(0);
    return metrics.bucketsVisited - before;
  }

  it('evaluating an alarm over an hour of history visits only its period, as over one minute', () => {
    const fresh = bucketsOneEvaluationVisits(60_000);
    expect(bucketsOneEvaluationVisits(3_600_000)).toBe(fresh);
    expect(fresh).toBe(60_000 / DEFAULT_BUCKET_MS);
  });
});

describe('recording', () => {
  it('an invocation counts under the dimension sets Lambda publishes, in whatever order a reader names them', () => {
    const { clock, metrics } = storeOnClock();
    metrics.recordInvocation({ functionName: 'Fn', qualifier: 'live', executedVersion: '3', viaAlias: true, at: clock.now - 10, durationMs: 12, functionError: true });
    metrics.recordInvocation({ functionName: 'Fn', qualifier: '3', executedVersion: '3', viaAlias: false, at: clock.now - 10, durationMs: 8, functionError: false });
    const sum = (name: string, dimensions: Record<string, string>) =>
      metrics.statistic({ namespace: 'AWS/Lambda', name, dimensions, from: clock.now - 60_000, to: clock.now, statistic: 'Sum' });
    expect(sum('Invocations', { FunctionName: 'Fn' })).toBe(2);
    expect(sum('Errors', { ExecutedVersion: '3', Resource: 'Fn:live', FunctionName: 'Fn' })).toBe(1);
    expect(sum('Duration', { Resource: 'Fn:3', FunctionName: 'Fn' })).toBe(8);
    expect(sum('Invocations', { FunctionName: 'Fn', Resource: 'Fn:3', ExecutedVersion: '3' })).toBeUndefined();
  });

  it('an EMF log line becomes its datapoints, with its StorageResolution; other lines are ignored', () => {
    const { clock, metrics } = storeOnClock();
    const emf = {
      _aws: {
        Timestamp: clock.now,
        CloudWatchMetrics: [
          {
            Namespace: 'CompanyCanary',
            Dimensions: [['FunctionName', 'ExecutedVersion'], ['FunctionName']],
            Metrics: [{ Name: 'Http5xx', Unit: 'Count', StorageResolution: 1 }, { Name: 'ColdStart', Unit: 'Count' }],
          },
        ],
      },
      FunctionName: 'Fn',
      ExecutedVersion: '2',
      Http5xx: 1,
      ColdStart: 1,
    };
    metrics.recordLogLine(JSON.stringify(emf), clock.now - 100);
    metrics.recordLogLine('{"_aws": not json', clock.now - 100);
    metrics.recordLogLine('{"level":"INFO","message":"a plain log line"}', clock.now - 100);
    const byVersion = { namespace: 'CompanyCanary', name: 'Http5xx', dimensions: { FunctionName: 'Fn', ExecutedVersion: '2' } };
    expect(metrics.statistic({ ...byVersion, from: clock.now - 60_000, to: clock.now, statistic: 'Sum' })).toBe(1);
    expect(metrics.storageResolution(byVersion)).toBe(1);
    expect(metrics.storageResolution({ namespace: 'CompanyCanary', name: 'ColdStart', dimensions: { FunctionName: 'Fn' } })).toBe(60);
    expect(metrics.datapointsRecorded).toBe(4);
  });
});

describe('alarm evaluation', () => {
  const errors: AlarmSpec = alarmSpec('ErrorsAlarm', {
    Namespace: 'AWS/Lambda',
    MetricName: 'Errors',
    Dimensions: [{ Name: 'FunctionName', Value: 'Fn' }],
    Statistic: 'Sum',
    Period: 60,
    EvaluationPeriods: 3,
    DatapointsToAlarm: 2,
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
  });
  const failAt = (metrics: LocalCloudWatch, at: number) => metrics.put({ namespace: 'AWS/Lambda', name: 'Errors', dimensions: { FunctionName: 'Fn' }, value: 1, at });

  it('slides its periods with now, shortened by the time scale, and needs DatapointsToAlarm breaching ones', () => {
    const { clock, metrics } = storeOnClock();
    failAt(metrics, clock.now - 500);
    // At time scale 60 a period is one second: the newest period breaches, the two before have no data.
    expect(evaluateAlarm(errors, metrics, clock.now, 60)).toEqual({ state: 'OK', values: [1, undefined, undefined] });
    failAt(metrics, clock.now - 2_500);
    expect(evaluateAlarm(errors, metrics, clock.now, 60)).toEqual({ state: 'ALARM', values: [1, undefined, 1] });
    // A second later the newest and oldest periods are empty: they breach only when missing data does.
    expect(evaluateAlarm(errors, metrics, clock.now + 1_000, 60)).toEqual({ state: 'OK', values: [undefined, 1, undefined] });
    expect(evaluateAlarm({ ...errors, treatMissingData: 'breaching' }, metrics, clock.now + 1_000, 60).state).toBe('ALARM');
  });
});
