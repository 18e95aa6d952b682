import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Company } from '../company/model';
import type { CompanyStore, StoredPage, WriteOutcome } from './company-store';

export function dynamoDbCompanyStore(client: DynamoDBDocumentClient, tableName: string): CompanyStore {
  /** Runs a conditional write; a failed condition tells "missing" from "stale" by the item it returns. */
  async function conditionalWrite(write: () => Promise<unknown>): Promise<WriteOutcome> {
    try {
      await write();
      return 'written';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return error.Item ? 'stale' : 'missing';
      throw error;
    }
  }

  return {
    async create(company) {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: company,
          ConditionExpression: 'attribute_not_exists(companyId)',
        }),
      );
    },

    async get(companyId) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: { companyId }, ConsistentRead: true }),
      );
      return Item as Company | undefined;
    },

    async list(limit, after): Promise<StoredPage> {
      // One item more than asked tells whether another page follows, so the last page is never empty.
      const { Items = [], LastEvaluatedKey } = await client.send(
        new ScanCommand({
          TableName: tableName,
          Limit: limit + 1,
          ExclusiveStartKey: after ? { companyId: after } : undefined,
        }),
      );
      const items = (Items as Company[]).slice(0, limit);
      const more = Items.length > limit || LastEvaluatedKey !== undefined;
      return more && items.length > 0 ? { items, continueAfter: items.at(-1)!.companyId } : { items };
    },

    replace(company, expectedVersion) {
      return conditionalWrite(() =>
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: company,
            ConditionExpression: 'attribute_exists(companyId) AND version = :expected',
            ExpressionAttributeValues: { ':expected': expectedVersion },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
    },

    remove(companyId, expectedVersion) {
      const versionCheck = expectedVersion === undefined ? '' : ' AND version = :expected';
      return conditionalWrite(() =>
        client.send(
          new DeleteCommand({
            TableName: tableName,
            Key: { companyId },
            ConditionExpression: `attribute_exists(companyId)${versionCheck}`,
            ExpressionAttributeValues: expectedVersion === undefined ? undefined : { ':expected': expectedVersion },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
    },
  };
}
