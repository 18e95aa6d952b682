import { DeleteTableCommand, DescribeTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ensureTables, localDynamoDbClient } from '../local/services/dynamodb';
import { loadStage } from '../local/template/stage';
import { startDynamoDbFaultProxy } from './support/dynamodb-fault-proxy';
import { dynamoEndpoint, TEST_CREDENTIALS, uniqueTableName } from './support/local-parts';

// The proxy the rehearsals' "1 % of DynamoDB calls fail" runs on: a fault in the stage's own table setup would
// end a rehearsal that has nothing to do with the canary, as it once ended a 50-rehearsal bench.
it('the DynamoDB fault proxy fails item calls and lets table management through', async () => {
  const proxy = await startDynamoDbFaultProxy(dynamoEndpoint(), 1);
  const client = localDynamoDbClient(proxy.url, TEST_CREDENTIALS);
  const { tables } = loadStage({ tableName: uniqueTableName('fault-proxy') });
  const tableName = tables[0]!.createTable.TableName!;
  try {
    await expect(ensureTables(proxy.url, TEST_CREDENTIALS, tables)).resolves.toBe('created');
    await expect(ensureTables(proxy.url, TEST_CREDENTIALS, tables)).resolves.toBe('existing');
    await expect(client.send(new DescribeTableCommand({ TableName: tableName }))).resolves.toMatchObject({ Table: { TableName: tableName } });
    await expect(client.send(new GetItemCommand({ TableName: tableName, Key: { companyId: { S: 'any' } } }))).rejects.toThrow('Injected fault');
    expect({ calls: proxy.calls, failed: proxy.failed }).toEqual({ calls: 1, failed: 1 });
  } finally {
    await Promise.all(tables.map((t) => client.send(new DeleteTableCommand({ TableName: t.createTable.TableName }))));
    client.destroy();
    await proxy.stop();
  }
});
