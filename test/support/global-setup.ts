import { buildAll } from '../../local/cli/build';
import { startDynamoDbLocal } from '../../local/services/dynamodb';

/** One DynamoDB Local for the whole run, and the bundles the local stage serves, built once. */
export default async function globalSetup() {
  await buildAll();
  const dynamo = await startDynamoDbLocal({ sharedDb: true });
  process.env.TEST_DYNAMODB_ENDPOINT = dynamo.endpoint;
  (globalThis as { testDynamo?: typeof dynamo }).testDynamo = dynamo;
}
