import type { DynamoDbLocal } from '../../local/services/dynamodb';

export default async function globalTeardown() {
  await (globalThis as { testDynamo?: DynamoDbLocal }).testDynamo?.stop();
}
