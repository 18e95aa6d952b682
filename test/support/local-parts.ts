import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { startLocalStage, type LocalStage, type LocalStageOptions } from '../../local/local-stage';
import { newStageCredentials } from '../../local/credentials';
import { listenOnLoopback } from '../../local/net';
import { ensureTables, localDynamoDbClient } from '../../local/services/dynamodb';
import { createSecretsManagerServer, LocalSecretsManager } from '../../local/services/secrets-manager';
import { LOCAL_REGION } from '../../local/template/cloudformation';
import { loadStage } from '../../local/template/stage';
import { dynamoDbCompanyStore } from '../../functions/store/dynamodb-company-store';
import { dynamoDbOncePerKey } from '../../functions/store/once-per-key';

/** Real local parts for tests: the run's DynamoDB Local, a table per suite made from the iaac definition. */

/** The run's DynamoDB Local is started with -sharedDb, so these see the same tables as every stage's functions. */
export const TEST_CREDENTIALS = { accessKeyId: 'TestSuite', secretAccessKey: 'TestSuite' };

export function dynamoEndpoint(): string {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('TEST_DYNAMODB_ENDPOINT is unset: run the tests with npm test');
  return endpoint;
}

export const uniqueTableName = (suite: string) => `test-${suite}-${randomUUID().slice(0, 8)}`;

export function documentClient() {
  return DynamoDBDocumentClient.from(localDynamoDbClient(dynamoEndpoint(), TEST_CREDENTIALS), { marshallOptions: { removeUndefinedValues: true } });
}

/** The stack's tables for one suite, with the Company store and the Idempotency-Key records on them. */
export async function createTestTable(suite: string) {
  const tableName = uniqueTableName(suite);
  const { tables, functions } = loadStage({ tableName });
  await ensureTables(dynamoEndpoint(), TEST_CREDENTIALS, tables);
  const client = documentClient();
  const environment = (logicalId: string) => functions.find((fn) => fn.logicalId === logicalId)!.environment;
  const idempotencyTable = environment('CreateCompanyFunction').IDEMPOTENCY_TABLE_NAME!;
  return {
    tableName,
    idempotencyTable,
    client,
    store: dynamoDbCompanyStore(client, tableName, environment('ListCompaniesFunction').COMPANY_NAME_INDEX),
    once: dynamoDbOncePerKey(localDynamoDbClient(dynamoEndpoint(), TEST_CREDENTIALS), idempotencyTable),
    snapshot: () => tableSnapshot(client, tableName),
    drop: async () => {
      await Promise.all(tables.map((t) => client.send(new DeleteTableCommand({ TableName: t.createTable.TableName }))));
      client.destroy();
    },
  };
}

/** Every item of the table, serialised in key order: equal strings mean byte-for-byte equal contents. */
export async function tableSnapshot(client: DynamoDBDocumentClient, tableName: string): Promise<string> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey, ConsistentRead: true }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  const sorted = items
    .map((item) => Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b))))
    .sort((a, b) => String(a.companyId).localeCompare(String(b.companyId)));
  return JSON.stringify(sorted);
}

export async function startTestStage(
  suite: string,
  {
    environment = {},
    ...options
  }: Omit<LocalStageOptions, 'port' | 'dynamoEndpoint' | 'tableName'> & {
    /** Variables to add to, or change in, what the template gives a function, by logical id. */
    environment?: Record<string, Record<string, string>>;
  } = {},
): Promise<LocalStage & { snapshot: () => Promise<string> }> {
  const tableName = uniqueTableName(suite);
  const model = loadStage({ ...options, tableName });
  const functionOverrides = { ...options.functionOverrides };
  for (const [logicalId, variables] of Object.entries(environment)) {
    const fn = model.functions.find((f) => f.logicalId === logicalId);
    if (!fn) throw new Error(`template.yaml has no function ${logicalId}`);
    functionOverrides[logicalId] = { ...functionOverrides[logicalId], environment: { ...fn.environment, ...variables } };
  }
  const stage = await startLocalStage({ ...options, functionOverrides, port: 0, dynamoEndpoint: dynamoEndpoint(), tableName });
  const client = documentClient();
  const stop = stage.stop;
  // The stage itself, not a copy: what a test sets on it (its AWS time, its endpoints) reaches its services.
  return Object.assign(stage, {
    snapshot: () => tableSnapshot(client, stage.tableName),
    stop: async () => {
      client.destroy();
      await stop();
    },
  });
}

/** The local Secrets Manager alone, template.yaml's secrets newly generated, with a real SDK client on it. */
export async function startSecretsManager() {
  const credentials = newStageCredentials();
  const server = createSecretsManagerServer(new LocalSecretsManager(loadStage().secrets), credentials);
  const endpoint = await listenOnLoopback(server);
  const client = new SecretsManagerClient({ region: LOCAL_REGION, credentials, endpoint, maxAttempts: 1 });
  return {
    client,
    stop: async () => {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
