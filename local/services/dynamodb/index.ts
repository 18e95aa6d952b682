export { type DynamoDbLocal, type DynamoDbLocalEvent, startDynamoDbLocal } from './dynamodb-local';
export { ensureTable, ensureTables, localDynamoDbClient, type TableStatus } from './tables';
