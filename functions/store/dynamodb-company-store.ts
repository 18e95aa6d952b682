import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Company } from '../company/model';
import { foldName } from '../company/name-order';
import type { CompanyStore, NamePosition, StoredPage, WriteOutcome } from './company-store';

/**
 * Companies in one DynamoDB table, listed in name order through a global secondary index
 * (iaac/company-table.yaml): every item carries its index keys, the one partition all companies share and
 * its place in the name order. Readers never see those two attributes.
 */

/** The index's partition: one for every company, so that one Query reads them in order (README: sharding). */
const LIST_PARTITION = 'companies';
/** Sorts below every character a folded name may hold (names have no control characters), so "acme" < "acme co". */
const SEPARATOR = '\u0001';
/**
 * Sorts above every character a name may hold (the last code point, a noncharacter): the keys that begin with
 * a prefix are those from the prefix to the prefix and this. A range, not begins_with: DynamoDB Local reads
 * a begins_with from the start of the partition (a search at the end of 100,000 names took 4 times longer).
 */
const ABOVE_ALL = '\u{10FFFF}';

/** The attributes that place a company in the name index. */
export function nameIndexKeys(company: Pick<Company, 'name' | 'companyId'>) {
  return { listPartition: LIST_PARTITION, nameKey: nameKey({ foldedName: foldName(company.name), companyId: company.companyId }) };
}

const nameKey = ({ foldedName, companyId }: NamePosition) => `${foldedName}${SEPARATOR}${companyId}`;

function positionOf(key: string): NamePosition {
  const at = key.lastIndexOf(SEPARATOR);
  return { foldedName: key.slice(0, at), companyId: key.slice(at + 1) };
}

const INDEX_ATTRIBUTES = new Set(['listPartition', 'nameKey']);

/** The company as the API knows it, without the index's attributes. */
function companyOf(item: Record<string, unknown>): Company {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !INDEX_ATTRIBUTES.has(name))) as unknown as Company;
}

export function dynamoDbCompanyStore(client: DynamoDBDocumentClient, tableName: string, nameIndexName?: string): CompanyStore {
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
          Item: { ...company, ...nameIndexKeys(company) },
          ConditionExpression: 'attribute_not_exists(companyId)',
        }),
      );
    },

    async get(companyId) {
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { companyId }, ConsistentRead: true }));
      return Item && companyOf(Item);
    },

    async list({ limit, namePrefix, after }): Promise<StoredPage> {
      if (!nameIndexName) throw new Error('this store was made without the name index: pass its name to list');
      const prefix = namePrefix === undefined ? '' : foldName(namePrefix);
      // One item more than asked tells whether another page follows, so the last page is never empty.
      const { Items = [], LastEvaluatedKey } = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: nameIndexName,
          KeyConditionExpression: prefix ? 'listPartition = :partition AND nameKey BETWEEN :prefix AND :prefixEnd' : 'listPartition = :partition',
          ExpressionAttributeValues: { ':partition': LIST_PARTITION, ...(prefix ? { ':prefix': prefix, ':prefixEnd': `${prefix}${ABOVE_ALL}` } : {}) },
          ExclusiveStartKey: after && { listPartition: LIST_PARTITION, nameKey: nameKey(after), companyId: after.companyId },
          Limit: limit + 1,
        }),
      );
      const page = Items.slice(0, limit);
      const items = page.map(companyOf);
      const more = Items.length > limit || LastEvaluatedKey !== undefined;
      return more && page.length > 0 ? { items, continueAfter: positionOf(String(page.at(-1)!.nameKey)) } : { items };
    },

    replace(company, expectedVersion) {
      return conditionalWrite(() =>
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...company, ...nameIndexKeys(company) },
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
