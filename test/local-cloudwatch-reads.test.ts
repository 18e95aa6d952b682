import { CloudWatchClient, DescribeAlarmHistoryCommand, GetMetricStatisticsCommand, ListMetricsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { LOCAL_REGION } from '../local/template/cloudformation';
import { awsCli, boto3, describeWithTool } from './support/aws-cli';
import { startTestStage } from './support/local-parts';

/**
 * What an operator reads of the stage's CloudWatch besides the guard's calls, as CloudWatch answers it:
 * ListMetrics, GetMetricStatistics, DescribeAlarmHistory; and its errors with the Query error code CloudWatch
 * sends beside its JSON ones, on which boto3's typed exceptions match. Through the project's SDK, the AWS CLI
 * and boto3.
 */
let stage: Awaited<ReturnType<typeof startTestStage>>;
let client: CloudWatchClient;
const dimensions = [
  { Name: 'FunctionName', Value: 'ReadsTestFunction' },
  { Name: 'ExecutedVersion', Value: '7' },
];
/** A minute whose data has arrived by AWS's timing: two minutes back, on the minute. */
const minute = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;

beforeAll(async () => {
  stage = await startTestStage('cloudwatch-reads');
  client = new CloudWatchClient({ region: LOCAL_REGION, credentials: stage.credentials, endpoint: stage.endpoints.AWS_ENDPOINT_URL_CLOUDWATCH, maxAttempts: 1 });
  await client.send(
    new PutMetricDataCommand({
      Namespace: 'CompanyCanary',
      MetricData: [10, 20, 30].map((Value, i) => ({ MetricName: 'Latency', Dimensions: dimensions, Value, Timestamp: new Date(minute + i * 1_000), StorageResolution: 1 })),
    }),
  );
});
afterAll(async () => {
  client.destroy();
  await stage.stop();
});

describe('the SDK', () => {
  it('lists the metrics that match a namespace, a name and dimensions', async () => {
    const { Metrics = [] } = await client.send(new ListMetricsCommand({ Namespace: 'CompanyCanary', Dimensions: [{ Name: 'FunctionName', Value: 'ReadsTestFunction' }] }));
    expect(Metrics).toEqual([{ Namespace: 'CompanyCanary', MetricName: 'Latency', Dimensions: expect.arrayContaining(dimensions) }]);
    expect((await client.send(new ListMetricsCommand({ Namespace: 'CompanyCanary', MetricName: 'NoSuchMetric' }))).Metrics).toEqual([]);
  });

  it("answers a metric's statistics per period, percentiles too", async () => {
    const { Datapoints = [] } = await client.send(
      new GetMetricStatisticsCommand({
        Namespace: 'CompanyCanary',
        MetricName: 'Latency',
        Dimensions: dimensions,
        StartTime: new Date(minute),
        EndTime: new Date(minute + 60_000),
        Period: 60,
        Statistics: ['Sum', 'SampleCount', 'Maximum'],
        ExtendedStatistics: ['p50'],
      }),
    );
    expect(Datapoints).toHaveLength(1);
    expect(Datapoints[0]).toMatchObject({ Timestamp: new Date(minute), Sum: 60, SampleCount: 3, Maximum: 30 });
    expect(Datapoints[0]!.ExtendedStatistics!.p50).toBeCloseTo(20, 0);
  });

  it("keeps each alarm's state changes, newest first", async () => {
    const alarm = 'local-GetCompanyTimeoutsAlarm';
    stage.alarms.setState(alarm, 'OK', 'Threshold Crossed: no datapoint was greater than the threshold (10.0).');
    stage.alarms.setState(alarm, 'ALARM', 'Threshold Crossed: 1 datapoint [20.0] was greater than the threshold (10.0).');
    stage.alarms.setState(alarm, 'ALARM', 'the same state again is no change');
    const { AlarmHistoryItems = [] } = await client.send(new DescribeAlarmHistoryCommand({ AlarmName: alarm }));
    expect(AlarmHistoryItems.map((item) => item.HistorySummary)).toEqual(['Alarm updated from OK to ALARM', 'Alarm updated from INSUFFICIENT_DATA to OK']);
    expect(JSON.parse(AlarmHistoryItems[0]!.HistoryData!)).toMatchObject({ oldState: { stateValue: 'OK' }, newState: { stateValue: 'ALARM' } });
  });
});

describeWithTool('the AWS CLI', () => {
  const cloudwatch = (...args: string[]) => awsCli('cloudwatch', stage.endpoints.AWS_ENDPOINT_URL_CLOUDWATCH!, stage.credentials, ...args);

  it('list-metrics, get-metric-statistics and describe-alarm-history', async () => {
    const listed = await cloudwatch('list-metrics', '--namespace', 'CompanyCanary', '--metric-name', 'Latency');
    expect(listed.Metrics.length).toBeGreaterThanOrEqual(1);
    const window = ['--start-time', new Date(minute).toISOString(), '--end-time', new Date(minute + 60_000).toISOString()];
    const stats = await cloudwatch('get-metric-statistics', '--namespace', 'CompanyCanary', '--metric-name', 'Latency', '--dimensions', 'Name=FunctionName,Value=ReadsTestFunction', 'Name=ExecutedVersion,Value=7', '--period', '60', '--statistics', 'Sum', ...window);
    expect(stats.Datapoints).toEqual([expect.objectContaining({ Sum: 60 })]);
    const history = await cloudwatch('describe-alarm-history', '--alarm-name', 'local-GetCompanyTimeoutsAlarm');
    expect(Array.isArray(history.AlarmHistoryItems)).toBe(true);
  }, 60_000);

  it("names an error by CloudWatch's own code", async () => {
    await expect(cloudwatch('put-metric-data', '--namespace', 'AWS/Lambda', '--metric-data', 'MetricName=Errors,Value=1')).rejects.toMatchObject({
      stderr: expect.stringContaining('(InvalidParameterValue) when calling the PutMetricData operation'),
    });
  }, 30_000);
});

describeWithTool('boto3', () => {
  it('raises its typed exceptions for a refused call', async () => {
    const script = [
      'try:',
      "    client.put_metric_data(Namespace='AWS/Lambda', MetricData=[{'MetricName': 'Errors', 'Value': 1}])",
      'except client.exceptions.InvalidParameterValueException:',
      "    print('typed')",
    ];
    expect(await boto3('cloudwatch', stage.endpoints.AWS_ENDPOINT_URL_CLOUDWATCH!, stage.credentials, script)).toEqual(['typed']);
  }, 30_000);
});
