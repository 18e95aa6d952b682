import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import type { StageCredentials } from '../../credentials';
import { LOCAL_REGION } from '../../template/cloudformation';

/**
 * DynamoDB Local keeps one database per access key and region (unless started with -sharedDb), so a
 * client sees the stage's tables only with the stage's credentials.
 */
export const localDynamoDbClient = (endpoint: string, credentials: StageCredentials) =>
  new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials });

/** Creates each table unless it exists; answers what happened to the first. */
export async function ensureTables(endpoint: string, credentials: StageCredentials, tables: Array<{ createTable: CreateTableCommandInput }>) {
  const statuses = await Promise.all(tables.map((table) => ensureTable(endpoint, credentials, table.createTable)));
  return statuses[0]!;
}

/** Creates the table unless it exists (a persisted stage keeps its data between starts). */
export async function ensureTable(endpoint: string, credentials: StageCredentials, input: CreateTableCommandInput): Promise<'created' | 'existing'> {
  const client = localDynamoDbClient(endpoint, credentials);
  try {
    await client.send(new CreateTableCommand(input));
    return 'created';
  } catch (error) {
    if (error instanceof ResourceInUseException) return 'existing';
    throw error;
  } finally {
    client.destroy();
  }
}
