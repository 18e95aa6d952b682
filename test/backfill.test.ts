import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { backfillNameIndex } from '../iaac/backfill-name-index';
import { newStageCredentials } from '../local/credentials';
import { ensureTable, localDynamoDbClient } from '../local/services/dynamodb';
import { loadStage } from '../local/template/stage';
import type { Company } from '../functions/company/model';
import type { CompanyStore } from '../functions/store/company-store';
import { createTestTable, dynamoEndpoint, uniqueTableName } from './support/local-parts';

/**
 * Companies stored before the name index existed, or rewritten meanwhile by a function's old version, have
 * no index keys: the backfill gives them theirs, on DynamoDB Local, and the listing then finds them.
 */
let table: Awaited<ReturnType<typeof createTestTable>>;
beforeAll(async () => (table = await createTestTable('backfill')));
afterAll(() => table.drop());

const company = (name: string): Company => {
  const at = new Date().toISOString();
  return { companyId: randomUUID(), name, employees: 1, version: 1, createdAt: at, updatedAt: at };
};
/** As the functions wrote a company before the index: the item alone. */
const writeWithoutKeys = (c: Company) => table.client.send(new PutCommand({ TableName: table.tableName, Item: c }));

async function listAll(store: CompanyStore): Promise<string[]> {
  const names: string[] = [];
  let after;
  do {
    const page = await store.list({ limit: 7, after });
    names.push(...page.items.map((c) => c.name));
    after = page.continueAfter;
  } while (after);
  return names;
}

it('gives every company without keys its keys, once, and the listing then holds them all in name order', async () => {
  const old = Array.from({ length: 30 }, (_, i) => company(`Old ${String(i).padStart(2, '0')}`));
  const recent = Array.from({ length: 5 }, (_, i) => company(`New ${i}`));
  await Promise.all(old.map(writeWithoutKeys));
  await Promise.all(recent.map((c) => table.store.create(c)));
  expect(await listAll(table.store)).toEqual(recent.map((c) => c.name));

  const progress: number[] = [];
  const counts = await backfillNameIndex(table.client, table.tableName, { segments: 3, onProgress: (c) => progress.push(c.scanned) });
  expect(counts).toEqual({ scanned: 35, indexed: 30, changed: 0 });
  expect(progress.at(-1)).toBe(35);
  expect(await listAll(table.store)).toEqual([...recent, ...old].map((c) => c.name).sort());
  // The table as the API shows it is unchanged but for the keys: no company lost a field or its version.
  for (const c of old) expect(await table.store.get(c.companyId)).toEqual(c);

  expect(await backfillNameIndex(table.client, table.tableName)).toEqual({ scanned: 35, indexed: 0, changed: 0 });
});

it('leaves alone a company changed between its read and its write, and a second run indexes it', async () => {
  const racing = company('Raced');
  await writeWithoutKeys(racing);
  // An old version of the update function rewrites it just before the backfill's write.
  let raced = false;
  table.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (/^Update(Item)?Command$/.test(context.commandName ?? '') && !raced) {
        raced = true;
        await writeWithoutKeys({ ...racing, version: 2, employees: 2 });
      }
      return next(args);
    },
    { step: 'initialize', name: 'raceTheBackfill' },
  );
  try {
    const first = await backfillNameIndex(table.client, table.tableName, { segments: 1 });
    expect(first).toMatchObject({ indexed: 0, changed: 1 });
  } finally {
    table.client.middlewareStack.remove('raceTheBackfill');
  }
  expect(await backfillNameIndex(table.client, table.tableName)).toMatchObject({ indexed: 1, changed: 0 });
  expect(await table.store.get(racing.companyId)).toEqual({ ...racing, version: 2, employees: 2 });
  expect(await listAll(table.store)).toContain('Raced');
});

it('adds an index iaac/ defines to a persisted local table that predates it', async () => {
  const credentials = newStageCredentials();
  const { createTable } = loadStage({ tableName: uniqueTableName('persisted') }).table;
  const { GlobalSecondaryIndexes, ...rest } = createTable;
  expect(GlobalSecondaryIndexes).toHaveLength(1);
  // The table as the table stack made it before: its key alone.
  const keys = new Set(rest.KeySchema!.map((k) => k.AttributeName));
  const withoutIndexes = { ...rest, AttributeDefinitions: rest.AttributeDefinitions!.filter((a) => keys.has(a.AttributeName)) };
  expect(await ensureTable(dynamoEndpoint(), credentials, withoutIndexes)).toBe('created');
  expect(await ensureTable(dynamoEndpoint(), credentials, createTable)).toBe('indexed');
  expect(await ensureTable(dynamoEndpoint(), credentials, createTable)).toBe('existing');
  const client = localDynamoDbClient(dynamoEndpoint(), credentials);
  const { Table } = await client.send(new DescribeTableCommand({ TableName: createTable.TableName }));
  expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(GlobalSecondaryIndexes!.map((i) => i.IndexName));
  client.destroy();
});
