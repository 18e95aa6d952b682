/**
 * `npm run bench:scale [-- --companies 100000 --from 1000]`: whether a page costs the same at any table size.
 *
 * On one local stage (DynamoDB Local in memory), it seeds `--from` companies through the Company store and
 * measures, one request at a time, the first page of GET /companies, a name-prefix search (a word that
 * begins one name in 28, so that every page is full) and the whole PostTraffic journey (Step
 * Functions StartSyncExecution); then it seeds up to `--companies` and measures again. It prints
 * p50 / p99 per size and the larger size's cost as a multiple of the smaller's.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { dynamoDbCompanyStore } from '../functions/store/dynamodb-company-store';
import { journeyPasses } from '../hooks/journey';
import { type LocalStage, startLocalStage } from '../local/local-stage';
import { localDynamoDbClient } from '../local/services/dynamodb';
import { loadStateMachines } from '../local/services/stepfunctions/state-machines';
import { LOCAL_REGION } from '../local/template/cloudformation';
import { percentile, printTable } from './tables';

const FIRST_WORDS = ['Acme', 'Água', 'Banco', 'Café', 'Delta', 'Émile', 'Global', 'Hanse', 'Ísafold', 'Jardim', 'Köln', 'Lumière', 'Müller', 'Nordic',
  'Øresund', 'Petro', 'Québec', 'Rhein', 'São', 'Tokyo', 'Über', 'Vale', 'Wasser', 'Xingu', 'Yield', 'Zürich', '東京', '한국'];
const SECOND_WORDS = ['Holdings', 'Energia', 'Systems', 'Bank', 'Labs', '& Co', 'Logistics', 'Foods', 'Capital', 'Group'];
const pick = <T>(values: T[]) => values[Math.floor(Math.random() * values.length)]!;

const REQUESTS = 300;
// Enough for the stage's functions to reach their optimised code before the first size is measured.
const WARMUP_REQUESTS = 500;
const JOURNEYS = 20;
/** The journey's first runs start its functions' environments and warm their code. */
const JOURNEY_WARMUPS = 5;
const SEED_CONCURRENCY = 32;

/** Writes companies through the store, as the API would, until the table holds `total`. */
async function seed(stage: LocalStage, from: number, total: number) {
  const client = DynamoDBDocumentClient.from(localDynamoDbClient(stage.dynamoEndpoint, stage.credentials));
  const store = dynamoDbCompanyStore(client, stage.tableName);
  const at = new Date().toISOString();
  let next = from;
  const started = performance.now();
  let shown = started;
  async function writer() {
    while (next < total) {
      const i = next++;
      await store.create({ companyId: randomUUID(), name: `${FIRST_WORDS[i % FIRST_WORDS.length]} ${pick(SECOND_WORDS)} ${i}`, employees: i % 10_000, version: 1, createdAt: at, updatedAt: at });
      if (performance.now() - shown > 5_000) {
        shown = performance.now();
        console.log(`  seeded ${next} of ${total} companies…`);
      }
    }
  }
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, writer));
  client.destroy();
  console.log(`  seeded ${total - from} companies in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Latencies of `count` runs made one at a time (after `warmups` more), in ascending order. */
async function timed(count: number, run: () => Promise<void>, warmups = WARMUP_REQUESTS): Promise<number[]> {
  for (let i = 0; i < warmups; i++) await run();
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await run();
    latencies.push(performance.now() - started);
  }
  return latencies.sort((a, b) => a - b);
}

async function get(url: string): Promise<void> {
  const response = await fetch(url);
  const body = (await response.json()) as { items?: unknown[] };
  if (response.status !== 200 || body.items?.length !== 25) throw new Error(`GET ${url} answered ${response.status} with ${body.items?.length} items, not a full page`);
}

type Figures = Record<'first page' | 'prefix search' | 'journey', number[]>;

async function measure(stage: LocalStage, sfn: SFNClient, journeyArn: string): Promise<Figures> {
  const firstPage = await timed(REQUESTS, () => get(`${stage.url}/companies?limit=25`));
  const prefixSearch = await timed(REQUESTS, () => get(`${stage.url}/companies?limit=25&namePrefix=${encodeURIComponent(pick(FIRST_WORDS))}`));
  const journey = async () => {
    const result = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: journeyArn, input: JSON.stringify({ passes: journeyPasses() }) }));
    if (result.status !== 'SUCCEEDED') throw new Error(`the journey ended ${result.status}: ${result.error} ${result.cause}`);
  };
  return { 'first page': firstPage, 'prefix search': prefixSearch, journey: await timed(JOURNEYS, journey, JOURNEY_WARMUPS) };
}

async function main() {
  const { values } = parseArgs({ options: { companies: { type: 'string', default: '100000' }, from: { type: 'string', default: '1000' } } });
  const [small, large] = [Number(values.from), Number(values.companies)];
  if (!(Number.isInteger(small) && Number.isInteger(large) && small >= FIRST_WORDS.length * 25 && large > small)) {
    throw new Error(`--from and --companies take whole numbers, --from at least ${FIRST_WORDS.length * 25} (every prefix must fill a page) and --companies larger`);
  }
  const stage = await startLocalStage({ port: 0 });
  const sfn = new SFNClient({ endpoint: stage.endpoints.AWS_ENDPOINT_URL_SFN, region: LOCAL_REGION, credentials: stage.credentials, disableHostPrefix: true });
  const journeyArn = loadStateMachines().machines[0]!.arn;
  try {
    const figures: Array<[number, Figures]> = [];
    for (const [from, size] of [[0, small], [small, large]] as const) {
      console.log(`\n${size} companies:`);
      await seed(stage, from, size);
      figures.push([size, await measure(stage, sfn, journeyArn)]);
    }
    const [[, smaller], [, larger]] = figures as [[number, Figures], [number, Figures]];
    const p = (latencies: number[], q: number) => percentile(latencies, q).toFixed(2);
    console.log(`\n=== one request at a time; ${REQUESTS} of each kind of request, ${JOURNEYS} journeys, per size (ms) ===\n`);
    printTable(
      ['measure', `p50 @ ${small}`, `p99 @ ${small}`, `p50 @ ${large}`, `p99 @ ${large}`, 'p50 ×', 'p99 ×'],
      (Object.keys(smaller) as Array<keyof Figures>).map((name) => [
        name,
        p(smaller[name], 50),
        p(smaller[name], 99),
        p(larger[name], 50),
        p(larger[name], 99),
        (percentile(larger[name], 50) / percentile(smaller[name], 50)).toFixed(2),
        (percentile(larger[name], 99) / percentile(smaller[name], 99)).toFixed(2),
      ]),
    );
    console.log(`\n× is the cost at ${large} companies as a multiple of the cost at ${small}. The journey's p99 is the slowest of ${JOURNEYS}.`);
  } finally {
    sfn.destroy();
    await stage.stop();
  }
}

main().catch((error: Error) => {
  console.error(`bench:scale failed: ${error.message}`);
  process.exit(1);
});
