export { type DynamoDbLocal, type DynamoDbLocalEvent, startDynamoDbLocal } from './dynamodb-local';
export { ensureTable, localDynamoDbClient } from './tables';
