import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import type { StageCredentials } from '../../credentials';
import { LOCAL_REGION } from '../../template/cloudformation';

/**
 * DynamoDB Local keeps one database per access key and region (unless started with -sharedDb), so a
 * client sees the stage's tables only with the stage's credentials.
 */
export const localDynamoDbClient = (endpoint: string, credentials: StageCredentials) =>
  new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials });

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
