import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { credentialsOfDataDir, newStageCredentials, type StageCredentials } from './credentials';
import { listenOnLoopback, type RequestTimeouts } from './net';
import { LocalAlarms } from './services/cloudwatch/alarm-states';
import { createCloudWatchServer } from './services/cloudwatch/api';
import type { CloudWatchTime } from './services/cloudwatch/get-metric-data';
import { AwsClock } from './services/cloudwatch/aws-clock';
import { AWS_TIMING } from './services/cloudwatch/aws-timing';
import { type InvocationRecord, LocalCloudWatch } from './services/cloudwatch/metrics';
import { LocalEventBridge } from './services/eventbridge';
import { type AccessLogEntry, createApiServer } from './services/api-gateway/api-server';
import { createCloudFormationServer } from './services/cloudformation/api';
import { LocalCloudFormation } from './services/cloudformation/stack';
import { createCodeDeployServer, LocalCodeDeploy } from './services/codedeploy';
import { type DynamoDbLocal, type DynamoDbLocalEvent, ensureTables, startDynamoDbLocal, type TableStatus } from './services/dynamodb';
import type { LogEvent } from './services/lambda/environment-log';
import { createLambdaApiServer } from './services/lambda/lambda-api';
import { LocalLambda } from './services/lambda/local-lambda';
import { createLogsServer } from './services/logs/api';
import { LocalCloudWatchLogs } from './services/logs/local-cloudwatch-logs';
import { createSecretsManagerServer, LocalSecretsManager } from './services/secrets-manager';
import { createSnsServer, LocalSns } from './services/sns';
import { startStepFunctionsServer } from './services/stepfunctions/server';
import { type FunctionSpec, loadStage, type StageModel, type StageOptions } from './template/stage';

export interface LocalStageOptions extends StageOptions {
  port?: number;
  /** Keep DynamoDB Local's data in this folder instead of in memory. */
  persistDir?: string;
  /** Use this running DynamoDB endpoint instead of starting DynamoDB Local. */
  dynamoEndpoint?: string;
  /** Per-function changes to what the template says, by logical id (tests shorten timeouts with it). */
  functionOverrides?: Record<string, Partial<FunctionSpec>>;
  /** How long the API waits for a client's request (tests shorten them). */
  requestTimeouts?: RequestTimeouts;
  onLog?: (functionName: string, line: string) => void;
  onAccess?: (entry: AccessLogEntry) => void;
  /** What happened to the stage's own DynamoDB Local after it started, in words for the terminal. */
  onDynamoDb?: (event: StageDynamoDbEvent) => void;
}

/** A DynamoDB Local event, with the line that tells the user what happened and what comes next. */
export type StageDynamoDbEvent = DynamoDbLocalEvent & { message: string };

type StageEvents = { log: [string, string]; logEvent: [LogEvent]; invocation: [InvocationRecord]; access: [AccessLogEntry]; dynamodb: [StageDynamoDbEvent] };

export interface LocalStage {
  url: string;
  dynamoEndpoint: string;
  /** The AWS_ENDPOINT_URL_* every function of the stage is given; a change reaches environments started after it. */
  endpoints: Record<string, string>;
  tableName: string;
  tableStatus: TableStatus;
  /** What the stage's functions sign with, and all its AWS endpoints require. */
  credentials: StageCredentials;
  model: StageModel;
  lambda: LocalLambda;
  codedeploy: LocalCodeDeploy;
  secretsManager: LocalSecretsManager;
  /** What CloudWatch would hold: Lambda's metrics and the functions' EMF metrics, from real invocations. */
  metrics: LocalCloudWatch;
  /** The template's deployment alarms and their states, as whoever evaluates them last set them. */
  alarms: LocalAlarms;
  /** Every log event the functions and Lambda write, by group and stream, and the template's subscription filters. */
  logs: LocalCloudWatchLogs;
  /** The AWS time the stage's CloudWatch answers in: a rehearsal's clock while one runs. */
  awsTime: CloudWatchTime;
  /** The default event bus, delivering to the functions the template's EventBridge rules name. */
  eventbridge: LocalEventBridge;
  /** The stack the stage plays, with its resources under the names the stage's services know them by. */
  cloudformation: LocalCloudFormation;
  /** The SNS topics the deployment groups' triggers name, each keeping the last messages published to it. */
  sns: LocalSns;
  /**
   * Every line a function's code writes ('log': functionName, line), every CloudWatch Logs event Lambda writes
   * ('logEvent'), every invocation ('invocation'), API access ('access': entry) and DynamoDB Local event, for
   * whoever listens.
   */
  events: EventEmitter<StageEvents>;
  stop(): Promise<void>;
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });

/**
 * The whole local stage: DynamoDB Local with the iaac table; the template's functions from their bundles;
 * the API over HTTP; and Lambda, CodeDeploy, Step Functions, Secrets Manager, SNS and the others' endpoints in
 * their own protocols, which every function (the hooks included) reaches through AWS_ENDPOINT_URL_*.
 */
export async function startLocalStage(options: LocalStageOptions = {}): Promise<LocalStage> {
  const model = loadStage(options);
  const functions = model.functions.map((fn) => ({ ...fn, ...options.functionOverrides?.[fn.logicalId] }));
  const events = new EventEmitter<StageEvents>();
  if (options.onLog) events.on('log', options.onLog);
  if (options.onAccess) events.on('access', options.onAccess);
  if (options.onDynamoDb) events.on('dynamodb', options.onDynamoDb);
  const credentials = options.persistDir ? credentialsOfDataDir(options.persistDir) : newStageCredentials();
  const servers: Server[] = [];
  let dynamo: DynamoDbLocal | undefined;
  let lambda: LocalLambda | undefined;
  let logs: LocalCloudWatchLogs | undefined;
  let sfn: { stop(): Promise<void> } | undefined;
  const stop = async () => {
    await Promise.all(servers.map(close));
    await sfn?.stop();
    // Before Lambda stops, so that no subscription delivery is left to fail against it.
    logs?.stop();
    await lambda?.stop();
    await dynamo?.stop();
  };
  try {
    if (!options.dynamoEndpoint) {
      dynamo = await startDynamoDbLocal({
        persistDir: options.persistDir,
        credentials,
        onEvent: (event) => void dynamoDbEvent(event).then((message) => events.emit('dynamodb', { ...event, message })),
      });
    }
    const dynamoEndpoint = options.dynamoEndpoint ?? dynamo!.endpoint;
    const tableStatus = await ensureTables(dynamoEndpoint, credentials, model.tables);
    /** Says what happened; after a restart in memory, first makes the tables again. */
    const dynamoDbEvent = async (event: DynamoDbLocalEvent): Promise<string> => {
      switch (event.kind) {
        case 'exited':
          return (
            `DynamoDB Local stopped unexpectedly (${event.signal ?? `exit code ${event.code}`}); requests fail until it is back. ` +
            (event.persisted ? `Restarting it on the data in ${options.persistDir}…` : 'It kept its data in memory, so the data is gone. Restarting it…')
          );
        case 'restarted': {
          const table = await ensureTables(dynamoEndpoint, credentials, model.tables).then(
            (status) => `table ${model.table.createTable.TableName} ${status === 'created' ? 'created again, empty' : 'back with its data'}`,
            (error: Error) => `but the tables could not be made again (${error.message}); restart the stage`,
          );
          return `DynamoDB Local is back after ${(event.afterMs / 1000).toFixed(1)} s: ${table}.`;
        }
        case 'gave-up':
          return `DynamoDB Local cannot be kept running (${event.reason}). Check that Java works (java -version) and that the machine has free memory, then start the stage again.`;
      }
    };
    // Functions start lazily, so the endpoints can be filled in once their servers listen.
    // Read when an environment starts, so an endpoint changed here reaches the next cold start.
    const endpoints: Record<string, string> = { AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint };
    const environment = () => ({ AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, ...endpoints });
    const metrics = new LocalCloudWatch();
    lambda = new LocalLambda(functions, {
      environment,
      onLog: (functionName, line) => {
        metrics.recordLogLine(line);
        events.emit('log', functionName, line);
      },
      onLogEvent: (event) => {
        logs!.append(event);
        events.emit('logEvent', event);
      },
      onInvocation: (record) => {
        metrics.recordInvocation(record);
        events.emit('invocation', record);
      },
    });
    const awsTime: CloudWatchTime = { clock: new AwsClock(1), timing: AWS_TIMING };
    logs = new LocalCloudWatchLogs(model, {
      deliver: (functionName, payload) => lambda!.invoke(functionName, payload),
      // On the rehearsal's clock; with instant timing, at once, as the quick model records everything at once.
      deliveryDelayMs: () => (stage.awsTime.timing.mode === 'aws' ? (stage.awsTime.timing.logSubscriptionDelaySeconds * 1000) / stage.awsTime.clock.timeScale : 0),
      onDeliveryError: (line) => events.emit('log', 'CloudWatch Logs', line),
    });
    const eventbridge = new LocalEventBridge(model.rules, (target, event) => lambda!.invoke(target, event), (line) => events.emit('log', 'EventBridge', line));
    const deployments = model.functions.flatMap((fn) => model.deploymentOf(fn.logicalId, fn.alias ? lambda!.getAlias(fn.functionName, fn.alias).functionVersion : '$LATEST') ?? []);
    const alarms = new LocalAlarms();
    for (const alarm of deployments.flatMap((deployment) => deployment.alarms)) alarms.define(alarm);
    const codedeploy = new LocalCodeDeploy(
      deployments.map((d) => ({ application: d.application, name: d.deploymentGroup, deploymentConfigName: d.configName, trafficShift: d.shift, alarms: d.alarms.map((alarm) => alarm.name), triggers: d.triggers })),
    );
    const api = createApiServer({ stage: model, lambda, timeouts: options.requestTimeouts, onAccess: (entry) => events.emit('access', entry) });
    const lambdaApi = createLambdaApiServer(lambda, credentials);
    const codedeployApi = createCodeDeployServer(codedeploy, credentials);
    const secretsManager = new LocalSecretsManager(model.secrets);
    const secretsManagerApi = createSecretsManagerServer(secretsManager, credentials);
    const cloudwatchApi = createCloudWatchServer(metrics, alarms, () => stage.awsTime, credentials);
    const logsApi = createLogsServer(logs, credentials);
    const cloudformation = new LocalCloudFormation(model, lambda, codedeploy);
    const cloudformationApi = createCloudFormationServer(cloudformation, credentials);
    const topics = new Set(deployments.flatMap((d) => d.triggers.map((t) => t.topicArn)));
    const sns = new LocalSns([...topics], (n) => events.emit('log', 'SNS', `${n.topicArn}${n.subject ? ` ${n.subject}` : ''} ${n.message}`));
    const snsApi = createSnsServer(sns, credentials);
    servers.push(api, lambdaApi, codedeployApi, secretsManagerApi, cloudwatchApi, logsApi, cloudformationApi, snsApi);
    const url = await listenOnLoopback(api, options.port ?? 3000);
    endpoints.AWS_ENDPOINT_URL_LAMBDA = await listenOnLoopback(lambdaApi);
    endpoints.AWS_ENDPOINT_URL_CODEDEPLOY = await listenOnLoopback(codedeployApi);
    endpoints.AWS_ENDPOINT_URL_SECRETS_MANAGER = await listenOnLoopback(secretsManagerApi);
    endpoints.AWS_ENDPOINT_URL_CLOUDWATCH = await listenOnLoopback(cloudwatchApi);
    endpoints.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS = await listenOnLoopback(logsApi);
    endpoints.AWS_ENDPOINT_URL_CLOUDFORMATION = await listenOnLoopback(cloudformationApi);
    endpoints.AWS_ENDPOINT_URL_SNS = await listenOnLoopback(snsApi);
    const stepFunctions = await startStepFunctionsServer({ apiUrl: url, credentials });
    sfn = stepFunctions;
    endpoints.AWS_ENDPOINT_URL_SFN = stepFunctions.endpoint;
    const stage: LocalStage = {
      url,
      dynamoEndpoint,
      endpoints,
      tableName: model.table.createTable.TableName!,
      tableStatus,
      credentials,
      model,
      lambda,
      codedeploy,
      secretsManager,
      metrics,
      alarms,
      logs,
      awsTime,
      eventbridge,
      cloudformation,
      sns,
      events,
      stop,
    };
    return stage;
  } catch (error) {
    await stop();
    throw error;
  }
}
