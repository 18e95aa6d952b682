import type { Server } from 'node:http';
import { type AccessLogEntry, createApiServer } from './services/api-gateway/api-server';
import { type DynamoDbLocal, ensureTable, startDynamoDbLocal } from './services/dynamodb';
import { LocalLambda } from './services/lambda/local-lambda';
import { loadStage, type StageModel, type StageOptions } from './template/stage';

export interface LocalStageOptions extends StageOptions {
  port?: number;
  /** Keep DynamoDB Local's data in this folder instead of in memory. */
  persistDir?: string;
  /** Use this running DynamoDB endpoint instead of starting DynamoDB Local. */
  dynamoEndpoint?: string;
  onLog?: (functionName: string, line: string) => void;
  onAccess?: (entry: AccessLogEntry) => void;
}

export interface LocalStage {
  url: string;
  dynamoEndpoint: string;
  tableName: string;
  tableStatus: 'created' | 'existing';
  model: StageModel;
  lambda: LocalLambda;
  stop(): Promise<void>;
}

/** The whole local stage: DynamoDB Local with the iaac table, the functions' bundles, and the API over HTTP. */
export async function startLocalStage(options: LocalStageOptions = {}): Promise<LocalStage> {
  const model = loadStage(options);
  let dynamo: DynamoDbLocal | undefined;
  let lambda: LocalLambda | undefined;
  let server: Server | undefined;
  const stop = async () => {
    await new Promise<void>((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()));
    server?.closeAllConnections();
    await lambda?.stop();
    await dynamo?.stop();
  };
  try {
    if (!options.dynamoEndpoint) dynamo = await startDynamoDbLocal({ persistDir: options.persistDir });
    const dynamoEndpoint = options.dynamoEndpoint ?? dynamo!.endpoint;
    const tableStatus = await ensureTable(dynamoEndpoint, model.table.createTable);
    lambda = new LocalLambda(model.functions, { environment: { AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint }, onLog: options.onLog });
    server = createApiServer({ stage: model, lambda, onAccess: options.onAccess });
    const listening = server;
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(options.port ?? 3000, '127.0.0.1', resolve);
    });
    const { port } = listening.address() as { port: number };
    return {
      url: `http://127.0.0.1:${port}`,
      dynamoEndpoint,
      tableName: model.table.createTable.TableName!,
      tableStatus,
      model,
      lambda,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
