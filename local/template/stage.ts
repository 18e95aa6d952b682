import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type AlarmSpec, alarmSpec } from '../services/cloudwatch/alarms';
import { LOCAL_ACCOUNT, LOCAL_REGION, parameterValues, readTemplate, resolve, type ResolveContext, ROOT, type Template } from './cloudformation';
import { deployedStackName } from './samconfig';
import { stackResources, type StackResourceSpec } from './stack-resources';

/**
 * One typed model of what the local stage runs, read from template.yaml, iaac/ and the OpenAPI document
 * it includes. Nothing here lists routes, functions or tables by hand.
 */

export const APP_TEMPLATE = 'template.yaml';
export const TABLE_TEMPLATE = 'iaac/company-table.yaml';
export const BUILD_DIR = join(ROOT, '.aws-sam', 'build');

export interface FunctionSpec {
  logicalId: string;
  functionName: string;
  /** `file.export`, relative to the bundle directory, as Lambda reads it. */
  handler: string;
  bundleDir: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
  alias?: string;
  /** As Lambda reports them (GetFunctionConfiguration); the local runtime is this machine's Node.js whatever they say. */
  runtime?: string;
  architectures?: string[];
  logging: FunctionLogging;
  build?: { entryPoints: string[]; minify: boolean; target: string; sourcemap: boolean; format: 'cjs' | 'esm'; external: string[]; mainFields: string[] };
}

/** How Lambda writes a function's logs to CloudWatch Logs: its LoggingConfig, with Lambda's defaults. */
export interface FunctionLogging {
  format: 'Text' | 'JSON';
  /** The log group's name: LoggingConfig.LogGroup, else the group Lambda makes, /aws/lambda/<function name>. */
  logGroup: string;
  /** A group of the template's own: Lambda then names each log stream with the function's name too. */
  customLogGroup: boolean;
  /** What Lambda lets through in JSON format (it filters nothing in Text format): INFO unless the template says. */
  applicationLogLevel: string;
  systemLogLevel: string;
}

/** A log group the template declares. */
export interface LogGroupSpec {
  logicalId: string;
  name: string;
}

/** A CloudWatch Logs subscription filter of the template that sends a log group's matching events to a function. */
export interface SubscriptionFilterSpec {
  logicalId: string;
  /** FilterName, or the name CloudFormation would make. */
  name: string;
  logGroup: string;
  filterPattern: string;
  /** The function it delivers to. */
  destination: string;
}

/** A secret of the template, as the local Secrets Manager serves it; its value is made when that starts. */
export interface SecretSpec {
  logicalId: string;
  name: string;
  /** What `Ref` of the secret gives. */
  arn: string;
  /** GenerateSecretString, as far as the local stage honours it. */
  generate: { passwordLength: number; excludePunctuation: boolean };
}

/** How CodeDeploy shifts an alias: all at once, or a first share for an interval, or in equal steps. */
export type TrafficShift =
  | { type: 'AllAtOnce' }
  | { type: 'TimeBasedCanary' | 'TimeBasedLinear'; percentage: number; intervalMinutes: number };

/** A function's DeploymentPreference, resolved for one version under deployment. */
export interface DeploymentSpec {
  /** The CodeDeploy application and deployment group SAM generates for it, by their local names. */
  application: string;
  deploymentGroup: string;
  /** The deployment config's name, as Ref of it gives (or CodeDeploy's own, such as CodeDeployDefault.LambdaAllAtOnce). */
  configName: string;
  shift: TrafficShift;
  alarms: AlarmSpec[];
  preTrafficHook?: string;
  postTrafficHook?: string;
  /** Its deployment group's TriggerConfigurations: the SNS topics CodeDeploy tells of these events. */
  triggers: DeploymentTrigger[];
}

/** A CodeDeploy trigger (TriggerConfig, CodeDeploy API reference), as CloudFormation resolves it. */
export interface DeploymentTrigger {
  name: string;
  topicArn: string;
  events: string[];
}

/** The stack the local stage plays, as CloudFormation describes it once `sam deploy` has created it. */
export interface StackSpec {
  /** samconfig.toml's stack_name. */
  name: string;
  description?: string;
  /** Each template parameter's value, in the template's order. */
  parameters: Array<{ key: string; value: string }>;
  outputs: Array<{ key: string; value: string; description?: string; exportName?: string }>;
  /** Its resources after the SAM transform, but for the Lambda versions, which only the local Lambda knows. */
  resources: StackResourceSpec[];
}

export interface StageModel {
  stack: StackSpec;
  stageName: string;
  /** The DeploymentPreference of a function, with `!GetAtt <Fn>.Version.Version` naming `targetVersion`. */
  deploymentOf(logicalId: string, targetVersion: string): DeploymentSpec | undefined;
  functions: FunctionSpec[];
  /** The OpenAPI document with every intrinsic resolved, as API Gateway imports it. */
  apiDocument: Template;
  /** The Company table: the first table the stack declares. */
  table: TableSpec;
  /** The EventBridge rules of the template's functions (SAM's EventBridgeRule events), each with its target. */
  rules: EventRule[];
  /** Every table of the stack, the Company table first. */
  tables: TableSpec[];
  secrets: SecretSpec[];
  logGroups: LogGroupSpec[];
  subscriptionFilters: SubscriptionFilterSpec[];
}

export interface StageOptions {
  parameterOverrides?: Record<string, string>;
  /** The local physical name of the Company table (tests give each suite its own); the other tables' names start with it. */
  tableName?: string;
}

export interface EventRule {
  name: string;
  pattern: Record<string, unknown>;
  /** The function the rule invokes. */
  target: string;
}

export interface TableSpec {
  logicalId: string;
  createTable: CreateTableCommandInput;
}

export const functionArn = (name: string, qualifier?: string) =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}${qualifier ? `:${qualifier}` : ''}`;

export const stateMachineArn = (name: string) => `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`;

/** The local API's id, as Ref of the API gives it: API ids are lower-case letters and digits, which Step Functions checks ApiEndpoint against. */
export const localApiId = (logicalId: string) => logicalId.toLowerCase().replace(/[^0-9a-z]/g, '');

/** The tables of the stateful stack, and its `Fn::ImportValue` exports, resolved as CloudFormation would. */
function tableStack(stackName: string, tableName: string | undefined) {
  const template = readTemplate(TABLE_TEMPLATE);
  const declared = Object.entries<Template>(template.Resources).filter(([, r]) => r.Type === 'AWS::DynamoDB::Table');
  const physicalName = (logicalId: string, i: number) => (i === 0 ? (tableName ?? `${stackName}-${logicalId}`) : `${tableName ?? stackName}-${logicalId}`);
  const names = Object.fromEntries(declared.map(([logicalId], i) => [logicalId, physicalName(logicalId, i)]));
  const ctx: ResolveContext = {
    file: TABLE_TEMPLATE,
    stackName,
    template,
    parameters: parameterValues(template),
    refs: names,
    attributes: Object.fromEntries(declared.map(([logicalId]) => [`${logicalId}.Arn`, `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${names[logicalId]}`])),
    imports: {},
  };
  const imports: Record<string, string> = {};
  for (const output of Object.values<Template>(template.Outputs ?? {})) {
    if (output.Export) imports[resolve(ctx, output.Export.Name) as string] = resolve(ctx, output.Value) as string;
  }
  const tables = declared.map(([logicalId, table]): TableSpec => {
    const p = resolve(ctx, table.Properties) as Template;
    // PITR, SSE, TTL and deletion protection are AWS-side guarantees; DynamoDB Local has no use for them.
    const createTable: CreateTableCommandInput = {
      TableName: names[logicalId],
      AttributeDefinitions: p.AttributeDefinitions,
      KeySchema: p.KeySchema,
      BillingMode: p.BillingMode,
      ProvisionedThroughput: p.ProvisionedThroughput,
      GlobalSecondaryIndexes: p.GlobalSecondaryIndexes,
      LocalSecondaryIndexes: p.LocalSecondaryIndexes,
    };
    return { logicalId, createTable };
  });
  return { imports, tables };
}

/**
 * A secret's name and ARN. Secrets Manager ends an ARN with 6 random characters; here they come from the
 * name, so that every read of the template gives the stage's functions and its tests the same ARN.
 */
function secretSpec(ctx: ResolveContext, logicalId: string, props: Template): SecretSpec {
  const name = props.Name ? (resolve(ctx, props.Name) as string) : `${ctx.stackName}-${logicalId}`;
  const suffix = createHash('sha256').update(name).digest('hex').slice(0, 6);
  const { PasswordLength = 32, ExcludePunctuation = false, ...unsupported } = (props.GenerateSecretString ?? {}) as Template;
  if (!props.GenerateSecretString || Object.keys(unsupported).length > 0) {
    throw new Error(`${ctx.file}: ${logicalId}: the local stage generates secrets from GenerateSecretString's PasswordLength and ExcludePunctuation only`);
  }
  return {
    logicalId,
    name,
    arn: `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${name}-${suffix}`,
    generate: { passwordLength: Number(PasswordLength), excludePunctuation: ExcludePunctuation === true || ExcludePunctuation === 'true' },
  };
}

/** A deployment config of this template (by its local Ref), or one CodeDeploy predefines for Lambda. */
function trafficShift(template: Template, name: string): TrafficShift {
  const own = Object.entries<Template>(template.Resources).find(([id]) => `local-${id}` === name)?.[1];
  if (own) {
    const routing = own.Properties.TrafficRoutingConfig;
    if (routing.Type === 'AllAtOnce') return { type: 'AllAtOnce' };
    const spec = routing.TimeBasedCanary ?? routing.TimeBasedLinear;
    const percentage = spec.CanaryPercentage ?? spec.LinearPercentage;
    const intervalMinutes = spec.CanaryInterval ?? spec.LinearInterval;
    return { type: routing.Type, percentage: Number(percentage), intervalMinutes: Number(intervalMinutes) };
  }
  if (name === 'CodeDeployDefault.LambdaAllAtOnce') return { type: 'AllAtOnce' };
  const predefined = /^CodeDeployDefault\.Lambda(Canary|Linear)(\d+)Percent(?:Every)?(\d+)Minutes?$/.exec(name);
  if (!predefined) throw new Error(`template.yaml: deployment config ${name} is unknown`);
  return {
    type: predefined[1] === 'Canary' ? 'TimeBasedCanary' : 'TimeBasedLinear',
    percentage: Number(predefined[2]),
    intervalMinutes: Number(predefined[3]),
  };
}

const isMap = (value: unknown): value is Template => Boolean(value) && typeof value === 'object' && !Array.isArray(value);

/** SAM's Globals: a resource's value replaces a global one, maps merge key by key, and lists add to the global list. */
function withGlobals(globals: Template, props: Template): Template {
  const merged: Template = { ...globals };
  for (const [key, value] of Object.entries(props)) {
    const global = globals[key];
    if (isMap(global) && isMap(value) && !Object.keys(value).some((k) => k === 'Ref' || k.startsWith('Fn::'))) merged[key] = withGlobals(global, value);
    else if (Array.isArray(global) && Array.isArray(value)) merged[key] = [...global, ...value];
    else merged[key] = value;
  }
  return merged;
}

/** What Lambda does with the logs of a function that has no LoggingConfig. */
export const lambdaDefaultLogging = (functionName: string): FunctionLogging => ({
  format: 'Text',
  logGroup: `/aws/lambda/${functionName}`,
  customLogGroup: false,
  applicationLogLevel: 'INFO',
  systemLogLevel: 'INFO',
});

/** A function's LoggingConfig, with Lambda's defaults for what it leaves out. */
function loggingOf(ctx: ResolveContext, functionName: string, props: Template): FunctionLogging {
  const config = resolve(ctx, props.LoggingConfig ?? {}) as Template;
  const defaults = lambdaDefaultLogging(functionName);
  const format = config.LogFormat ?? defaults.format;
  if (format !== 'Text' && format !== 'JSON') throw new Error(`${ctx.file}: ${functionName}: LogFormat ${format} is neither Text nor JSON`);
  return {
    format,
    logGroup: config.LogGroup ?? defaults.logGroup,
    customLogGroup: config.LogGroup !== undefined,
    applicationLogLevel: config.ApplicationLogLevel ?? defaults.applicationLogLevel,
    systemLogLevel: config.SystemLogLevel ?? defaults.systemLogLevel,
  };
}

export function loadStage(options: StageOptions = {}): StageModel {
  const template = readTemplate(APP_TEMPLATE);
  const parameters = parameterValues(template, options.parameterOverrides);
  const { imports, tables } = tableStack(parameters.TableStackName ?? 'company-canary-table', options.tableName);
  const resources = Object.entries<Template>(template.Resources);
  const refs: Record<string, string> = {};
  const attributes: Record<string, string> = {};
  for (const [id, resource] of resources) {
    refs[id] = resource.Type === 'AWS::Serverless::Function' ? id : resource.Type === 'AWS::Serverless::Api' ? localApiId(id) : `local-${id}`;
    attributes[`${id}.Arn`] = `arn:aws:local:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${id}`;
    // What SAM generates for a gradually deployed function, which the template may Ref.
    if (resource.Type === 'AWS::Serverless::Function' && resource.Properties?.DeploymentPreference) {
      refs[`${id}DeploymentGroup`] = `local-${id}DeploymentGroup`;
      refs.ServerlessDeploymentApplication = 'local-ServerlessDeploymentApplication';
    }
  }
  const ctx: ResolveContext = { file: APP_TEMPLATE, stackName: deployedStackName(), template, parameters, refs, attributes, imports };
  // Ref of a state machine gives its ARN.
  for (const [id, r] of resources.filter(([, r]) => r.Type === 'AWS::Serverless::StateMachine')) {
    refs[id] = stateMachineArn(r.Properties.Name ? (resolve(ctx, r.Properties.Name) as string) : id);
  }
  const secrets = resources
    .filter(([, resource]) => resource.Type === 'AWS::SecretsManager::Secret')
    .map(([logicalId, resource]) => secretSpec(ctx, logicalId, resource.Properties ?? {}));
  for (const secret of secrets) refs[secret.logicalId] = secret.arn;
  const logGroups = resources
    .filter(([, r]) => r.Type === 'AWS::Logs::LogGroup')
    .map(([logicalId, r]) => ({ logicalId, name: r.Properties?.LogGroupName ? (resolve(ctx, r.Properties.LogGroupName) as string) : refs[logicalId]! }));
  for (const group of logGroups) refs[group.logicalId] = group.name;

  const globals = (template.Globals?.Function ?? {}) as Template;
  const serverlessFunctions = resources
    .filter(([, resource]) => resource.Type === 'AWS::Serverless::Function')
    .map(([logicalId, resource]) => ({ logicalId, resource, props: withGlobals(globals, resource.Properties ?? {}) }));
  // Names first, so any function's environment may refer to any other function.
  const names = new Map<string, string>();
  for (const { logicalId, props } of serverlessFunctions) {
    const functionName = props.FunctionName ? (resolve(ctx, props.FunctionName) as string) : logicalId;
    names.set(logicalId, functionName);
    refs[logicalId] = functionName;
    attributes[`${logicalId}.Arn`] = functionArn(functionName);
    if (props.AutoPublishAlias) refs[`${logicalId}Alias${props.AutoPublishAlias}`] = functionArn(functionName, props.AutoPublishAlias);
  }
  const functions: FunctionSpec[] = serverlessFunctions.map(({ logicalId, resource, props }) => {
    const environment = resolve(ctx, props.Environment?.Variables ?? {}) as Record<string, string>;
    const buildProps = resource.Metadata?.BuildMethod === 'esbuild' ? (resource.Metadata.BuildProperties ?? {}) : undefined;
    return {
      logicalId,
      functionName: names.get(logicalId)!,
      handler: props.Handler,
      bundleDir: join(BUILD_DIR, logicalId),
      timeoutSeconds: Number(props.Timeout ?? 3),
      memoryMb: Number(props.MemorySize ?? 128),
      environment,
      alias: props.AutoPublishAlias,
      runtime: props.Runtime,
      architectures: props.Architectures ?? ['x86_64'],
      logging: loggingOf(ctx, names.get(logicalId)!, props),
      build: buildProps && {
        entryPoints: buildProps.EntryPoints,
        minify: buildProps.Minify ?? true,
        target: buildProps.Target ?? 'es2020',
        sourcemap: buildProps.Sourcemap ?? false,
        format: buildProps.Format ?? 'cjs',
        external: buildProps.External ?? [],
        mainFields: String(buildProps.MainFields ?? 'main,module').split(','),
      },
    };
  });
  const api = resources.find(([, r]) => r.Type === 'AWS::Serverless::Api')!;
  const deploymentOf = (logicalId: string, targetVersion: string): DeploymentSpec | undefined => {
    const preference = template.Resources[logicalId]?.Properties?.DeploymentPreference;
    if (!preference || preference.Enabled === false) return undefined;
    const versioned: ResolveContext = { ...ctx, attributes: { ...attributes, [`${logicalId}.Version.Version`]: targetVersion } };
    const alarms = (preference.Alarms ?? []).map((alarm: Template) => {
      const id = alarm.Ref as string;
      return alarmSpec(id, resolve(versioned, template.Resources[id].Properties) as Template, refs[id]);
    });
    const configName = resolve(ctx, preference.Type) as string;
    return {
      application: refs.ServerlessDeploymentApplication!,
      deploymentGroup: refs[`${logicalId}DeploymentGroup`]!,
      configName,
      shift: trafficShift(template, configName),
      alarms,
      preTrafficHook: preference.Hooks?.PreTraffic && (resolve(ctx, preference.Hooks.PreTraffic) as string),
      postTrafficHook: preference.Hooks?.PostTraffic && (resolve(ctx, preference.Hooks.PostTraffic) as string),
      triggers: ((resolve(ctx, preference.TriggerConfigurations) ?? []) as Template[]).map((t) => ({ name: t.TriggerName, topicArn: t.TriggerTargetArn, events: t.TriggerEvents })),
    };
  };
  const rules = serverlessFunctions.flatMap(({ logicalId, props }) =>
    Object.entries<Template>(props.Events ?? {})
      .filter(([, event]) => event.Type === 'EventBridgeRule')
      .map(([name, event]) => ({ name: `${logicalId}${name}`, pattern: resolve(ctx, event.Properties.Pattern) as Record<string, unknown>, target: names.get(logicalId)! })),
  );
  // SAM names a rule's resource `<function><event>`, as the local EventBridge names the rule; Ref of a rule on the default bus gives its name.
  for (const rule of rules) refs[rule.name] = rule.name;
  const functionByArn = new Map(functions.map((fn) => [functionArn(fn.functionName), fn.functionName]));
  const subscriptionFilters = resources
    .filter(([, r]) => r.Type === 'AWS::Logs::SubscriptionFilter')
    .map(([logicalId, r]): SubscriptionFilterSpec => {
      const p = resolve(ctx, r.Properties) as Template;
      const destination = functionByArn.get(p.DestinationArn);
      if (!destination) throw new Error(`${APP_TEMPLATE}: ${logicalId}: the local stage delivers subscriptions to the template's functions only, not to ${p.DestinationArn}`);
      return { logicalId, name: p.FilterName ?? `${ctx.stackName}-${logicalId}`, logGroup: p.LogGroupName, filterPattern: p.FilterPattern, destination };
    });
  for (const filter of subscriptionFilters) refs[filter.logicalId] = filter.name;
  const outputs = Object.entries<Template>(template.Outputs ?? {})
    .filter(([, o]) => !o.Condition || resolve(ctx, { Condition: o.Condition }))
    .map(([key, o]) => ({
      key,
      value: String(resolve(ctx, o.Value)),
      description: o.Description,
      exportName: o.Export && (resolve(ctx, o.Export.Name) as string),
    }));
  return {
    stack: {
      name: ctx.stackName,
      description: template.Description,
      parameters: Object.entries(parameters).map(([key, value]) => ({ key, value })),
      outputs,
      resources: stackResources(ctx, serverlessFunctions),
    },
    deploymentOf,
    rules,
    logGroups,
    subscriptionFilters,
    stageName: resolve(ctx, api[1].Properties.StageName) as string,
    functions,
    apiDocument: resolve(ctx, api[1].Properties.DefinitionBody) as Template,
    table: tables[0]!,
    tables,
    secrets,
  };
}
