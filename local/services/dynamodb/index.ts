export { type DynamoDbLocal, type DynamoDbLocalEvent, startDynamoDbLocal } from './dynamodb-local';
export { ensureTable, ensureTables, localDynamoDbClient } from './tables';
