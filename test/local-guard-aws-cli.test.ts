import { awsCli, boto3, describeWithTool } from './support/aws-cli';
import { startTestStage } from './support/local-parts';

/**
 * What the guard and the final bake call on the local stage, called by the real AWS CLI and boto3: CloudWatch's
 * PutMetricData and DescribeAlarms, CodeDeploy's GetDeploymentGroup. Their strict parsers read the answers.
 */
let stage: Awaited<ReturnType<typeof startTestStage>>;
beforeAll(async () => {
  stage = await startTestStage('guard-cli');
});
afterAll(() => stage.stop());

const ALARM_KINDS = ['Errors', 'Http5xx', 'InvocationErrors', 'Latency', 'Timeouts'];

describeWithTool('the AWS CLI', () => {
  const cloudwatch = (...args: string[]) => awsCli('cloudwatch', stage.endpoints.AWS_ENDPOINT_URL_CLOUDWATCH!, stage.credentials, ...args);

  it('put-metric-data stores a high-resolution datapoint, and refuses a namespace of AWS’s own as AWS does', async () => {
    const at = Math.floor(Date.now() / 1000);
    await cloudwatch('put-metric-data', '--namespace', 'CompanyCanary', '--metric-data', `MetricName=Invocations,Dimensions=[{Name=FunctionName,Value=GetCompanyFunction},{Name=ExecutedVersion,Value=9}],Value=3,Timestamp=${at},StorageResolution=1,Unit=Count`);
    const identity = { namespace: 'CompanyCanary', name: 'Invocations', dimensions: { FunctionName: 'GetCompanyFunction', ExecutedVersion: '9' } };
    expect(stage.metrics.statistic({ ...identity, from: (at - 1) * 1000, to: (at + 1) * 1000, statistic: 'Sum' })).toBe(3);
    expect(stage.metrics.storageResolution(identity)).toBe(1);
    await expect(cloudwatch('put-metric-data', '--namespace', 'AWS/Lambda', '--metric-data', 'MetricName=Errors,Value=1')).rejects.toMatchObject({
      stderr: expect.stringContaining('(InvalidParameterValue) when calling the PutMetricData operation'),
    });
  }, 30_000);

  it('describe-alarms answers a function’s deployment alarms, metric math and state included', async () => {
    const alarms = (await cloudwatch('describe-alarms', '--alarm-name-prefix', 'local-GetCompany')).MetricAlarms as Array<{ AlarmName: string; StateValue: string; Metrics?: Array<{ Expression?: string }> }>;
    expect(alarms.map((a) => a.AlarmName)).toEqual(ALARM_KINDS.map((kind) => `local-GetCompany${kind}Alarm`));
    expect(alarms.map((a) => a.StateValue)).toEqual(ALARM_KINDS.map(() => 'INSUFFICIENT_DATA'));
    expect(alarms.find((a) => a.AlarmName.endsWith('TimeoutsAlarm'))!.Metrics!.at(-1)!.Expression).toBe('IF(invocations >= 10, 100 * FILL(timeouts, 0) / invocations, 0)');
  }, 30_000);

  it('deploy get-deployment-group names the group’s alarms, as the final bake reads them', async () => {
    const answer = await awsCli(
      'deploy',
      stage.endpoints.AWS_ENDPOINT_URL_CODEDEPLOY!,
      stage.credentials,
      'get-deployment-group',
      '--application-name',
      'local-ServerlessDeploymentApplication',
      '--deployment-group-name',
      'local-GetCompanyFunctionDeploymentGroup',
    );
    const { alarmConfiguration } = answer.deploymentGroupInfo;
    expect(alarmConfiguration.enabled).toBe(true);
    expect(alarmConfiguration.alarms.map((a: { name: string }) => a.name).sort()).toEqual(ALARM_KINDS.map((kind) => `local-GetCompany${kind}Alarm`));
  }, 30_000);
});

describeWithTool('boto3', () => {
  it('describe_alarms by name, through boto3’s typed model', async () => {
    const script = [
      "alarm = client.describe_alarms(AlarmNames=[sys.argv[1]])['MetricAlarms'][0]",
      "print(alarm['AlarmName'], alarm['StateValue'], alarm['Threshold'] == 0, alarm['StateUpdatedTimestamp'].year)",
    ];
    const printed = await boto3('cloudwatch', stage.endpoints.AWS_ENDPOINT_URL_CLOUDWATCH!, stage.credentials, script, 'local-GetCompanyInvocationErrorsAlarm');
    expect(printed).toEqual([`local-GetCompanyInvocationErrorsAlarm INSUFFICIENT_DATA True ${new Date().getUTCFullYear()}`]);
  }, 30_000);
});
