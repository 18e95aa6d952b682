import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { operations } from '../open-api/contract';
import { readTemplate, ROOT, type Template } from '../local/template/cloudformation';
import { functionArn, loadStage } from '../local/template/stage';
import { integrationFunctionArn } from '../local/services/api-gateway/routes';
import { VERSION_METRICS } from '../functions/http/metrics';
import { OUTCOME_METRICS } from '../guard/outcomes/outcome-metrics';

/** template.yaml and the OpenAPI document agree: each route reaches its function's alias, and only it. */

const template = readTemplate('template.yaml');
const stage = loadStage();
const proxied = operations(stage.apiDocument).filter((op) => op.integration?.type === 'aws_proxy');
/** The functions that serve the API: those shipped by CodeDeploy (the hooks opt out; the guard has no preference). */
const companyFunctions = Object.entries<Template>(template.Resources).filter(
  ([, r]) => r.Type === 'AWS::Serverless::Function' && r.Properties.DeploymentPreference && r.Properties.DeploymentPreference.Enabled !== false,
);

it('every Lambda integration targets the live alias of a function in template.yaml', () => {
  expect(proxied).toHaveLength(companyFunctions.length);
  for (const op of proxied) {
    const target = integrationFunctionArn(op);
    expect(stage.functions.map((fn) => functionArn(fn.functionName, 'live'))).toContain(target);
  }
});

it('each function may be invoked by API Gateway on its own route only, through its alias', () => {
  const permissions = Object.values<Template>(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Permission');
  for (const op of proxied) {
    const logicalId = integrationFunctionArn(op).split(':function:')[1]!.replace(/:live$/, '');
    const permission = permissions.find((p) => p.Properties.FunctionName.Ref === `${logicalId}Aliaslive`);
    expect(permission).toBeDefined();
    const route = op.path.replace(/\{[^}]+\}/g, '*');
    expect(permission!.Properties.SourceArn['Fn::Sub']).toMatch(new RegExp(`\\$\\{CompanyApi\\}/\\*/${op.method}${route.replace(/\*/g, '\\*')}$`));
  }
});

const TABLE_ARN = { 'Fn::ImportValue': { 'Fn::Sub': '${TableStackName}-CompanyTableArn' } };
const IDEMPOTENCY_TABLE_ARN = { 'Fn::ImportValue': { 'Fn::Sub': '${TableStackName}-IdempotencyTableArn' } };
const NAME_INDEX_ARN = {
  'Fn::Sub': [
    '${TableArn}/index/${IndexName}',
    { TableArn: TABLE_ARN, IndexName: { 'Fn::ImportValue': { 'Fn::Sub': '${TableStackName}-CompanyNameIndexName' } } },
  ],
};
const PAGE_TOKEN_SECRET = Object.entries<Template>(template.Resources).find(([, r]) => r.Type === 'AWS::SecretsManager::Secret')![0];

it('each function is granted only the actions its operation needs, each on the one resource it uses', () => {
  const expected: Record<string, Array<[string, unknown]>> = {
    createCompany: [
      ['dynamodb:PutItem', TABLE_ARN],
      ...['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'].map((action): [string, unknown] => [action, IDEMPOTENCY_TABLE_ARN]),
    ],
    getCompany: [['dynamodb:GetItem', TABLE_ARN]],
    listCompanies: [
      ['dynamodb:Query', NAME_INDEX_ARN],
      ['secretsmanager:GetSecretValue', { Ref: PAGE_TOKEN_SECRET }],
    ],
    updateCompany: [['dynamodb:GetItem', TABLE_ARN], ['dynamodb:PutItem', TABLE_ARN]],
    deleteCompany: [['dynamodb:DeleteItem', TABLE_ARN]],
  };
  for (const op of proxied) {
    const logicalId = integrationFunctionArn(op).split(':function:')[1]!.replace(/:live$/, '');
    const statements: Template[] = template.Resources[logicalId].Properties.Policies.flatMap((p: Template) => p.Statement);
    const grants = statements.flatMap((s) => [s.Action].flat().map((action: string) => [action, s.Resource]));
    expect(grants.sort()).toEqual(expected[op.operationId!]!.sort());
  }
});

it('the list function may not Scan: no statement of its policy allows it, on the table or on any index', () => {
  const statements: Template[] = template.Resources.ListCompaniesFunction.Properties.Policies.flatMap((p: Template) => p.Statement);
  // IAM action patterns: * and ? wildcards, case-insensitive.
  const grants = (pattern: string, action: string) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i').test(action);
  const allowed = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat() as string[]);
  expect(allowed.filter((action) => grants(action, 'dynamodb:Scan'))).toEqual([]);
  expect(allowed.filter((action) => grants(action, 'dynamodb:Query'))).toEqual(['dynamodb:Query']);
  expect(grants('dynamodb:*', 'dynamodb:Scan')).toBe(true);
  // The index it queries is the table's one index, named to it by the table stack.
  const index = stage.tables[0]!.createTable.GlobalSecondaryIndexes!.map((i) => i.IndexName);
  expect(index).toEqual([stage.functions.find((fn) => fn.logicalId === 'ListCompaniesFunction')!.environment.COMPANY_NAME_INDEX]);
});

it('the page-token key reaches only ListCompaniesFunction, as the secret ARN it reads at run time, never as a value', () => {
  const list = stage.functions.find((fn) => fn.logicalId === 'ListCompaniesFunction')!;
  expect(template.Resources.ListCompaniesFunction.Properties.Environment.Variables.PAGE_TOKEN_SECRET_ARN).toEqual({ Ref: PAGE_TOKEN_SECRET });
  expect(list.environment.PAGE_TOKEN_SECRET_ARN).toBe(stage.secrets.find((s) => s.logicalId === PAGE_TOKEN_SECRET)!.arn);
  expect(readFileSync(join(ROOT, 'template.yaml'), 'utf8')).not.toContain('{{resolve:');
  const readers = Object.entries<Template>(template.Resources)
    .filter(([, r]) => JSON.stringify(r.Properties?.Policies ?? []).includes('secretsmanager:'))
    .map(([id]) => id);
  expect(readers).toEqual(['ListCompaniesFunction']);
});

it("the only Resource '*' left are the log-delivery actions, GetMetricData and PutMetricData, which take no other, with a comment saying why", () => {
  const text = readFileSync(join(ROOT, 'template.yaml'), 'utf8');
  const statements = Object.values<Template>(template.Resources).flatMap((r) =>
    (r.Properties?.Policies ?? []).flatMap((p: Template) => (typeof p === 'object' ? (p.Statement ?? []) : [])),
  );
  const onEverything = statements.filter((s: Template) => [s.Resource].flat().includes('*'));
  expect(onEverything.flatMap((s: Template) => [s.Action].flat()).sort()).toEqual(
    ['cloudwatch:GetMetricData', 'cloudwatch:PutMetricData', 'logs:CreateLogDelivery', 'logs:DeleteLogDelivery', 'logs:GetLogDelivery', 'logs:ListLogDeliveries', 'logs:UpdateLogDelivery'].sort(),
  );
  // PutMetricData is held to the guard's own namespace by its condition key.
  const put = onEverything.find((s: Template) => s.Action === 'cloudwatch:PutMetricData')!;
  expect(put.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': OUTCOME_METRICS.namespace } });
  // Each such statement, written `- Effect: Allow … Resource: '*'`, has a comment line right above it.
  const lines = text.split('\n');
  const wildcards = lines.flatMap((line, i) => (/^\s*Resource:\s*'\*'\s*$/.test(line) ? [i] : []));
  expect(wildcards).toHaveLength(onEverything.length);
  for (const at of wildcards) {
    let start = at;
    while (!/^\s*- Effect:/.test(lines[start]!)) start--;
    expect(lines[start - 1]).toMatch(/^\s*# .*(no resource-level permissions|Resource '\*')/);
  }
});

it('every route, the 404 and 405 answers included, requires IAM auth by default and none when the stack parameter says so', () => {
  const security = (doc: Template) => operations(doc).map((op) => op.document.security);
  const all = operations(stage.apiDocument);
  expect(all.length).toBeGreaterThan(proxied.length);
  expect(security(stage.apiDocument)).toEqual(all.map(() => [{ sigv4: [] }]));
  expect(security(loadStage({ parameterOverrides: { ApiAuth: 'NONE' } }).apiDocument)).toEqual(all.map(() => []));
});

it("the PreTraffic hook's map of functions to operations is the OpenAPI document's", () => {
  const hook = stage.functions.find((fn) => fn.logicalId === 'PreTrafficHook')!;
  const fromContract = Object.fromEntries(
    proxied.map((op) => [integrationFunctionArn(op).split(':function:')[1]!.replace(/:live$/, ''), op.operationId]),
  );
  expect(JSON.parse(hook.environment.OPERATION_BY_FUNCTION!)).toEqual(fromContract);
});

const deploymentAlarms = (logicalId: string): string[] => template.Resources[logicalId].Properties.DeploymentPreference.Alarms.map((a: Template) => a.Ref);

it("each Company function is watched by Lambda's Errors alarm and by 10-second alarms on its handler's metrics and on Lambda's own records, for its new version only", () => {
  const version = (logicalId: string) => ({ Name: 'ExecutedVersion', Value: { 'Fn::GetAtt': [logicalId, 'Version.Version'] } });
  for (const op of proxied) {
    const logicalId = integrationFunctionArn(op).split(':function:')[1]!.replace(/:live$/, '');
    const alarms: Template[] = deploymentAlarms(logicalId).map((id) => template.Resources[id].Properties);
    const crashes = alarms.filter((a) => a.Namespace === 'AWS/Lambda');
    expect(crashes.map((a) => a.MetricName)).toEqual(['Errors']);
    expect(crashes[0]!.Dimensions).toContainEqual(version(logicalId));
    expect(crashes[0]).toMatchObject({ Period: 60, EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    const rates = alarms.filter((a) => a.Metrics);
    expect(rates).toHaveLength(4);
    for (const alarm of rates) {
      const stats = alarm.Metrics.filter((m: Template) => m.MetricStat);
      expect(stats.map((m: Template) => m.MetricStat.Period)).toEqual(stats.map(() => 10));
      for (const m of stats) {
        expect(m.MetricStat.Metric.Namespace).toBe(VERSION_METRICS.namespace);
        expect(m.MetricStat.Metric.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: logicalId } }, version(logicalId)]);
      }
      // Nothing is judged on fewer requests than MinimumRequestsToJudge in the period.
      const expression = alarm.Metrics.find((m: Template) => m.Expression).Expression['Fn::Sub'];
      const counted = stats.find((m: Template) => [VERSION_METRICS.requests, OUTCOME_METRICS.invocations].includes(m.MetricStat.Metric.MetricName));
      expect(expression).toMatch(new RegExp(`^IF\\(${counted.Id} >= \\$\\{MinimumRequestsToJudge\\}, `));
      expect(alarm).toMatchObject({ EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    }
    const read = (alarm: Template) => alarm.Metrics.flatMap((m: Template) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : [])).sort();
    expect(rates.map(read)).toEqual(
      [
        [VERSION_METRICS.requests, VERSION_METRICS.serverErrors],
        [VERSION_METRICS.requests, VERSION_METRICS.latency],
        [OUTCOME_METRICS.invocations, OUTCOME_METRICS.failures, OUTCOME_METRICS.timeouts],
        [OUTCOME_METRICS.invocations, OUTCOME_METRICS.timeouts],
      ].map((names) => names.sort()),
    );
  }
});

it("each Company function logs in Lambda's JSON format to a group whose subscription filter sends Lambda's reports to the outcomes function, which CloudWatch Logs may invoke for that group only", () => {
  const outcomes = 'InvocationOutcomesFunction';
  const filters = Object.entries<Template>(template.Resources).filter(([, r]) => r.Type === 'AWS::Logs::SubscriptionFilter');
  const permissions = Object.entries<Template>(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Permission' && r.Properties.FunctionName.Ref === outcomes);
  expect(filters).toHaveLength(proxied.length);
  expect(permissions).toHaveLength(proxied.length);
  for (const op of proxied) {
    const logicalId = integrationFunctionArn(op).split(':function:')[1]!.replace(/:live$/, '');
    expect(stage.functions.find((fn) => fn.logicalId === logicalId)!.logging).toMatchObject({ format: 'JSON', systemLogLevel: 'INFO', customLogGroup: true });
    const group = template.Resources[logicalId].Properties.LoggingConfig.LogGroup;
    const [filterId, filter] = filters.find(([, f]) => f.Properties.LogGroupName.Ref === group.Ref)!;
    expect(filter.Properties).toEqual({ LogGroupName: group, FilterPattern: '{ $.type = "platform.report" || $.type = "platform.initReport" }', DestinationArn: { 'Fn::GetAtt': [outcomes, 'Arn'] } });
    const [permissionId, permission] = permissions.find(([, p]) => p.Properties.SourceArn['Fn::GetAtt'][0] === group.Ref)!;
    expect(permission.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { Ref: outcomes },
      Principal: { 'Fn::Sub': 'logs.${AWS::Region}.amazonaws.com' },
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: { 'Fn::GetAtt': [group.Ref, 'Arn'] },
    });
    // CloudWatch Logs checks, as it creates the filter, that it may invoke the function.
    expect(template.Resources[filterId].DependsOn).toBe(permissionId);
  }
  // The local stage reads the same filters, and delivers to the same function.
  expect(stage.subscriptionFilters.map((f) => f.destination)).toEqual(proxied.map(() => outcomes));
});

it("the stopper hears of, and maps to its deployment group, exactly the Company functions' deployment alarms", () => {
  const functions = stage.functions.filter((fn) => stage.deploymentOf(fn.logicalId, '1'));
  const expected = Object.fromEntries(
    functions.flatMap((fn) => deploymentAlarms(fn.logicalId).map((alarm) => [`local-${alarm}`, stage.deploymentOf(fn.logicalId, '1')!.deploymentGroup])),
  );
  const stopper = stage.functions.find((fn) => fn.logicalId === 'StopDeploymentFunction')!;
  expect(JSON.parse(stopper.environment.DEPLOYMENT_GROUP_BY_ALARM!)).toEqual(expected);
  const rule = stage.rules.find((r) => r.target === stopper.functionName)!;
  expect((rule.pattern as { detail: { alarmName: string[] } }).detail.alarmName.sort()).toEqual(Object.keys(expected).sort());
  const judge = stage.rules.find((r) => r.target === 'CanaryJudgeFunction')!;
  expect(judge.pattern).toMatchObject({ source: ['aws.codedeploy'], detail: { state: ['START'], application: [stage.deploymentOf(functions[0]!.logicalId, '1')!.application] } });
});

it('a bundle leaves out only what the nodejs runtime provides, the AWS SDK; the functions on the request path bundle theirs', () => {
  const functions = Object.entries<Template>(template.Resources).filter(([, r]) => r.Type === 'AWS::Serverless::Function');
  // Modules an SDK client loads only where credentials are not in the environment, which on Lambda they always
  // are, and only for an event-stream operation, which DynamoDB, CodeDeploy and CloudWatch have none of.
  const neverLoaded = ['http', 'ini', 'process', 'sso', 'web-identity']
    .map((p) => `@aws-sdk/credential-provider-${p}`)
    .concat('@smithy/credential-provider-imds', '@smithy/core/event-streams');
  for (const [logicalId, fn] of functions) {
    const external: string[] = fn.Metadata.BuildProperties.External ?? [];
    for (const name of external) expect(`${logicalId}: ${name}`).toMatch(/: @(aws-sdk|smithy)\//);
    const takesSdkFromRuntime = external.includes('@aws-sdk/*');
    expect(`${logicalId} ${takesSdkFromRuntime ? 'takes the SDK from the runtime' : 'bundles the SDK'}`).toBe(
      `${logicalId} ${/Hook$/.test(logicalId) ? 'takes the SDK from the runtime' : 'bundles the SDK'}`,
    );
    if (!takesSdkFromRuntime) expect(external.sort()).toEqual(neverLoaded.sort());
  }
});
