import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The one document client of a function, created at module load so every invocation of an execution
 * environment reuses its connections. The endpoint comes from AWS_ENDPOINT_URL_DYNAMODB when set.
 */
export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
