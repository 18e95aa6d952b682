import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { LocalCloudWatch } from './services/cloudwatch/metrics';
import { type AccessLogEntry, createApiServer } from './services/api-gateway/api-server';
import { createCodeDeployServer, LocalCodeDeploy } from './services/codedeploy';
import { type DynamoDbLocal, ensureTable, startDynamoDbLocal } from './services/dynamodb';
import { createLambdaApiServer } from './services/lambda/lambda-api';
import { LocalLambda } from './services/lambda/local-lambda';
import { createSecretsManagerServer, LocalSecretsManager } from './services/secrets-manager';
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
  onLog?: (functionName: string, line: string) => void;
  onAccess?: (entry: AccessLogEntry) => void;
}

export interface LocalStage {
  url: string;
  dynamoEndpoint: string;
  /** The AWS_ENDPOINT_URL_* every function of the stage is given. */
  endpoints: Record<string, string>;
  tableName: string;
  tableStatus: 'created' | 'existing';
  model: StageModel;
  lambda: LocalLambda;
  codedeploy: LocalCodeDeploy;
  secretsManager: LocalSecretsManager;
  /** What CloudWatch would hold: Lambda's metrics and the functions' EMF metrics, from real invocations. */
  metrics: LocalCloudWatch;
  /** Every function log line ('log': functionName, line) and API access ('access': entry), for whoever listens. */
  events: EventEmitter<{ log: [string, string]; access: [AccessLogEntry] }>;
  stop(): Promise<void>;
}

function listen(server: Server, port = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`));
  });
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });

/**
 * The whole local stage: DynamoDB Local with the iaac table; the template's functions from their bundles;
 * the API over HTTP; and Lambda, CodeDeploy, Step Functions and Secrets Manager endpoints in their own
 * protocols, which every function (the hooks included) reaches through AWS_ENDPOINT_URL_*.
 */
export async function startLocalStage(options: LocalStageOptions = {}): Promise<LocalStage> {
  const model = loadStage(options);
  const functions = model.functions.map((fn) => ({ ...fn, ...options.functionOverrides?.[fn.logicalId] }));
  const servers: Server[] = [];
  let dynamo: DynamoDbLocal | undefined;
  let lambda: LocalLambda | undefined;
  let sfn: { stop(): Promise<void> } | undefined;
  const stop = async () => {
    await Promise.all(servers.map(close));
    await sfn?.stop();
    await lambda?.stop();
    await dynamo?.stop();
  };
  try {
    if (!options.dynamoEndpoint) dynamo = await startDynamoDbLocal({ persistDir: options.persistDir });
    const dynamoEndpoint = options.dynamoEndpoint ?? dynamo!.endpoint;
    const tableStatus = await ensureTable(dynamoEndpoint, model.table.createTable);
    // Functions start lazily, so the endpoints can be filled in once their servers listen.
    const environment: Record<string, string> = { AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint };
    const metrics = new LocalCloudWatch();
    const events = new EventEmitter<{ log: [string, string]; access: [AccessLogEntry] }>();
    if (options.onLog) events.on('log', options.onLog);
    if (options.onAccess) events.on('access', options.onAccess);
    lambda = new LocalLambda(functions, {
      environment,
      onLog: (functionName, line) => {
        metrics.recordLogLine(line);
        events.emit('log', functionName, line);
      },
      onInvocation: (record) => metrics.recordInvocation(record),
    });
    const codedeploy = new LocalCodeDeploy();
    const api = createApiServer({ stage: model, lambda, onAccess: (entry) => events.emit('access', entry) });
    const lambdaApi = createLambdaApiServer(lambda);
    const codedeployApi = createCodeDeployServer(codedeploy);
    const secretsManager = new LocalSecretsManager(model.secrets);
    const secretsManagerApi = createSecretsManagerServer(secretsManager);
    servers.push(api, lambdaApi, codedeployApi, secretsManagerApi);
    const url = await listen(api, options.port ?? 3000);
    environment.AWS_ENDPOINT_URL_LAMBDA = await listen(lambdaApi);
    environment.AWS_ENDPOINT_URL_CODEDEPLOY = await listen(codedeployApi);
    environment.AWS_ENDPOINT_URL_SECRETS_MANAGER = await listen(secretsManagerApi);
    const stepFunctions = await startStepFunctionsServer({ apiUrl: url });
    sfn = stepFunctions;
    environment.AWS_ENDPOINT_URL_SFN = stepFunctions.endpoint;
    return {
      url,
      dynamoEndpoint,
      endpoints: environment,
      tableName: model.table.createTable.TableName!,
      tableStatus,
      model,
      lambda,
      codedeploy,
      secretsManager,
      metrics,
      events,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
