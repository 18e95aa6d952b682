import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import type { StageCredentials } from '../../credentials';
import { LOCAL_REGION } from '../../template/cloudformation';

/**
 * DynamoDB Local keeps one database per access key and region (unless started with -sharedDb), so a
 * client sees the stage's tables only with the stage's credentials.
 */
export const localDynamoDbClient = (endpoint: string, credentials: StageCredentials) =>
  new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials });

/** What became of a table: made now; there already; there, but given an index it lacked (its items need a backfill). */
export type TableStatus = 'created' | 'existing' | 'indexed';

/** Creates each table unless it exists; answers what happened to the first. */
export async function ensureTables(endpoint: string, credentials: StageCredentials, tables: Array<{ createTable: CreateTableCommandInput }>) {
  const statuses = await Promise.all(tables.map((table) => ensureTable(endpoint, credentials, table.createTable)));
  return statuses[0]!;
}

/**
 * Creates the table unless it exists (a persisted stage keeps its data between starts); a table that exists
 * gets the global secondary indexes iaac/ has added since, as a deployment of the table stack would.
 */
export async function ensureTable(endpoint: string, credentials: StageCredentials, input: CreateTableCommandInput): Promise<TableStatus> {
  const client = localDynamoDbClient(endpoint, credentials);
  try {
    await client.send(new CreateTableCommand(input));
    return 'created';
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
    const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
    const missing = (input.GlobalSecondaryIndexes ?? []).filter((index) => !present.has(index.IndexName));
    for (const index of missing) {
      await client.send(
        new UpdateTableCommand({ TableName: input.TableName, AttributeDefinitions: input.AttributeDefinitions, GlobalSecondaryIndexUpdates: [{ Create: index }] }),
      );
    }
    return missing.length > 0 ? 'indexed' : 'existing';
  } finally {
    client.destroy();
  }
}
