/**
 * `npm run backfill:name-index -- --table <CompanyTableName> [--region <region>] [--segments 4]`, with your AWS
 * credentials, or `-- --local` for the running local stage (`npm start -- --persist`): gives every company
 * stored without name-index keys its keys, so that GET /companies lists it.
 *
 * Companies written before the CompaniesByName index existed have none, and so have those an old version
 * of a function rewrites while a deployment is under way. Run it after deploying the table stack that adds
 * the index, and once more when the application's deployment has ended. It reads the table once (a
 * parallel Scan), writes only the companies that lack keys, each only while still at the version it read,
 * and can be run again at any time: a second run finds nothing to do.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { nameIndexKeys } from '../functions/store/dynamodb-company-store';
import { LOCAL_REGION } from '../local/template/cloudformation';
import { loadStage } from '../local/template/stage';
import { STAGE_FILE } from '../local/running-stage';

export interface BackfillCounts {
  /** Companies read. */
  scanned: number;
  /** Given their keys now. */
  indexed: number;
  /** Changed or deleted between the read and the write: a later run looks at them again. */
  changed: number;
}

export async function backfillNameIndex(
  client: DynamoDBDocumentClient,
  tableName: string,
  { segments = 4, onProgress = () => undefined }: { segments?: number; onProgress?: (counts: BackfillCounts) => void } = {},
): Promise<BackfillCounts> {
  const counts: BackfillCounts = { scanned: 0, indexed: 0, changed: 0 };
  async function segment(index: number) {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: tableName,
          Segment: index,
          TotalSegments: segments,
          ExclusiveStartKey,
          ProjectionExpression: 'companyId, #name, version, nameKey',
          ExpressionAttributeNames: { '#name': 'name' },
        }),
      );
      const items = (page.Items ?? []) as Array<{ companyId: string; name: string; version: number; nameKey?: string }>;
      counts.scanned += items.length;
      for (const company of items.filter((item) => item.nameKey === undefined)) {
        const { listPartition, nameKey } = nameIndexKeys(company);
        try {
          await client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { companyId: company.companyId },
              UpdateExpression: 'SET listPartition = :partition, nameKey = :key',
              ConditionExpression: 'version = :version AND attribute_not_exists(nameKey)',
              ExpressionAttributeValues: { ':partition': listPartition, ':key': nameKey, ':version': company.version },
            }),
          );
          counts.indexed++;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
          counts.changed++;
        }
      }
      onProgress({ ...counts });
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
  await Promise.all(Array.from({ length: segments }, (_, i) => segment(i)));
  return counts;
}

/** The running local stage's DynamoDB endpoint and credentials, and the Company table it serves. */
function localStage() {
  let file: { endpoints: Record<string, string>; credentials: { accessKeyId: string; secretAccessKey: string } };
  try {
    file = JSON.parse(readFileSync(STAGE_FILE, 'utf8'));
  } catch {
    throw new Error('no local stage is running here (.local/stage.json is missing): start it with npm start -- --persist');
  }
  return {
    client: new DynamoDBClient({ endpoint: file.endpoints.AWS_ENDPOINT_URL_DYNAMODB, region: LOCAL_REGION, credentials: file.credentials }),
    tableName: loadStage().table.createTable.TableName!,
  };
}

async function main() {
  const { values } = parseArgs({ options: { table: { type: 'string' }, region: { type: 'string' }, segments: { type: 'string', default: '4' }, local: { type: 'boolean', default: false } } });
  const segments = Number(values.segments);
  if (!(Number.isInteger(segments) && segments >= 1 && segments <= 64)) throw new Error('--segments takes a whole number from 1 to 64');
  if (!values.local && !values.table) throw new Error('name the table: --table <the CompanyTableName output of the table stack>, or --local for the local stage');
  const { client, tableName } = values.local ? localStage() : { client: new DynamoDBClient({ region: values.region }), tableName: values.table! };
  const documents = DynamoDBDocumentClient.from(client);
  console.log(`backfilling the name index of ${tableName} with ${segments} parallel scans…`);
  let shown = 0;
  const counts = await backfillNameIndex(documents, tableName, {
    segments,
    onProgress: (c) => {
      if (c.scanned - shown < 10_000) return;
      shown = c.scanned;
      console.log(`  ${c.scanned} companies read, ${c.indexed} given their keys`);
    },
  });
  console.log(`done: ${counts.scanned} companies read, ${counts.indexed} given their keys, ${counts.changed} changed meanwhile`);
  if (counts.changed > 0) console.log('companies changed while it ran were left alone: run it again to look at them once more');
  client.destroy();
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(`backfill failed: ${error.message}`);
    process.exit(1);
  });
}
