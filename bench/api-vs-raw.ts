/**
 * `npm run bench`: how much of DynamoDB Local's own throughput survives the trip through the local API.
 *
 * On one DynamoDB Local it measures, at concurrency 1 and 16, the raw SDK ceiling (PutItem, GetItem) and the
 * same work through the API over real HTTP (POST /companies, GET /companies/{id}), then each bundle's size
 * and cold module-load time. It prints numbers only; nothing here passes or fails.
 */
import { GetCommand, PutCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { nameIndexKeys } from '../functions/store/dynamodb-company-store';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { type LocalStage, startLocalStage } from '../local/local-stage';
import { localDynamoDbClient } from '../local/services/dynamodb';
import { DEFAULT_ENVIRONMENTS } from '../local/services/lambda/function-runtime';
import { LOCAL_REGION } from '../local/template/cloudformation';
import { type FunctionSpec, loadStage } from '../local/template/stage';
import { startBareHttpServer } from './bare-http';
import { median, percentile, printTable } from './tables';

const CONCURRENCIES = [1, 16];
const WARMUP_MS = 4000;
const MEASURE_MS = 8000;
const MEASURE_SLICES = 4;
/**
 * Requests of each kind each isolate serves before anything is measured, so that every side is measured warm:
 * V8 compiles code by how often it runs, in each isolate on its own (DynamoDB Local's JVM speeds up too). The
 * stage's Node CPU per POST at c=16 fell from 1.4 ms after 16,000 POSTs to 0.9–1.0 after 50,000–100,000, and
 * no further to 140,000: measured after 40 s of warm-up (about 16,000 POSTs), the API was still warming. The
 * raw client and the bare HTTP server run in this process's isolate; the API's requests are shared by the
 * environments of each function, each an isolate.
 */
const WARMUP_REQUESTS_PER_ISOLATE = 30_000;
const WARMUP_REQUESTS: Record<Side, number> = {
  raw: WARMUP_REQUESTS_PER_ISOLATE,
  API: WARMUP_REQUESTS_PER_ISOLATE * DEFAULT_ENVIRONMENTS,
  'bare HTTP': WARMUP_REQUESTS_PER_ISOLATE,
};
/**
 * How often a warm-up reports its progress. Its last stretch is cut to what the requests left should take at
 * the rate so far, with this much to spare, so that it rarely needs another.
 */
const WARMUP_REPORT_MS = 10_000;
const WARMUP_LAST_STRETCH_SPARE = 1.1;
const WARMUP_SHORTEST_STRETCH_MS = 250;
const RATIO_TARGET = 0.7;
const BUNDLE_LIMIT_BYTES = 300_000;
const COLD_LOAD_RUNS = 5;

type Op = () => Promise<void>;

/** What each workload is measured through: the SDK alone, the local API, and a bare HTTP server (bare-http.ts). */
const SIDES = ['raw', 'API', 'bare HTTP'] as const;
type Side = (typeof SIDES)[number];

interface Measurement {
  requests: number;
  errors: number;
  firstError?: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  /** How busy this process's main event loop was (0–1); the bench client and the API gateway both run on it. */
  mainLoopBusy: number;
  /** CPU this process spent per request, Lambda worker threads included, DynamoDB Local's JVM not. */
  cpuMsPerRequest: number;
  /** Shares of the machine's CPU time that went unused, and that the hypervisor gave to other machines (Linux). */
  coresIdle?: number;
  steal?: number;
}

type BenchStage = Pick<LocalStage, 'url' | 'dynamoEndpoint' | 'tableName' | 'credentials'>;

type Workload = Record<Side, { name: string; op: Op }>;

interface PairResult {
  workload: Workload;
  concurrency: number;
  measured: Record<Side, Measurement>;
}

interface BundleResult {
  logicalId: string;
  file: string;
  bytes: number;
  coldLoadMs: number[];
  loadError?: string;
}

/** What closed loops measured, added up over one or more slices of the same load. */
interface Tally {
  latencies: number[];
  errors: number;
  firstError?: string;
  seconds: number;
  cpuMs: number;
  loopActiveMs: number;
  loopIdleMs: number;
  machine: MachineTime;
}
const newTally = (): Tally => ({ latencies: [], errors: 0, seconds: 0, cpuMs: 0, loopActiveMs: 0, loopIdleMs: 0, machine: noMachineTime() });

/** The machine's CPU time so far, in clock ticks, from /proc/stat (zeros where there is none). */
interface MachineTime {
  idle: number;
  steal: number;
  total: number;
}
const noMachineTime = (): MachineTime => ({ idle: 0, steal: 0, total: 0 });
const PROC_STAT = '/proc/stat';
const HAS_PROC_STAT = existsSync(PROC_STAT);
function machineTime(): MachineTime {
  if (!HAS_PROC_STAT) return noMachineTime();
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice
  const ticks = readFileSync(PROC_STAT, 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  return { idle: ticks[3]! + ticks[4]!, steal: ticks[7]!, total: ticks.reduce((sum, t) => sum + t, 0) };
}

/** A closed loop: `concurrency` async workers, each sending its next request as soon as the last one answers. */
async function closedLoop(op: Op, concurrency: number, durationMs: number, tally: Tally = newTally()): Promise<Tally> {
  const loopBefore = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  const machineBefore = machineTime();
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        await op();
        tally.latencies.push(performance.now() - sent);
      } catch (error) {
        tally.errors++;
        tally.firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  // Until the last worker finishes, not the deadline, so requests in flight at the deadline still count fairly.
  tally.seconds += (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  tally.cpuMs += (cpu.user + cpu.system) / 1000;
  const loop = performance.eventLoopUtilization(loopBefore);
  tally.loopActiveMs += loop.active;
  tally.loopIdleMs += loop.idle;
  const machine = machineTime();
  tally.machine.idle += machine.idle - machineBefore.idle;
  tally.machine.steal += machine.steal - machineBefore.steal;
  tally.machine.total += machine.total - machineBefore.total;
  return tally;
}

/** Runs the side's operation until it has answered `requests` times, reporting its throughput as it goes. */
async function warmUp(label: string, op: Op, concurrency: number, requests: number): Promise<void> {
  const tally = newTally();
  let rate: number | undefined;
  while (tally.latencies.length + tally.errors < requests) {
    const before = tally.latencies.length + tally.errors;
    const seconds = tally.seconds;
    const leftMs = rate === undefined ? WARMUP_REPORT_MS : ((requests - before) / rate) * 1000 * WARMUP_LAST_STRETCH_SPARE;
    await closedLoop(op, concurrency, Math.min(WARMUP_REPORT_MS, Math.max(WARMUP_SHORTEST_STRETCH_MS, leftMs)), tally);
    const done = tally.latencies.length + tally.errors;
    rate = (done - before) / (tally.seconds - seconds);
    console.log(`  ${label}: ${done.toLocaleString('en')} requests served (warming to ${requests.toLocaleString('en')}), ${rate.toFixed(0)} req/s over the last ${(tally.seconds - seconds).toFixed(1)} s`);
  }
  if (tally.errors) throw new Error(`${label} failed ${tally.errors} times while warming up (first: ${tally.firstError})`);
}

function measurement(tally: Tally): Measurement {
  const latencies = [...tally.latencies].sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors: tally.errors,
    firstError: tally.firstError,
    reqPerSec: latencies.length / tally.seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    mainLoopBusy: tally.loopActiveMs / Math.max(1, tally.loopActiveMs + tally.loopIdleMs),
    cpuMsPerRequest: tally.cpuMs / Math.max(1, latencies.length + tally.errors),
    coresIdle: tally.machine.total > 0 ? tally.machine.idle / tally.machine.total : undefined,
    steal: tally.machine.total > 0 ? tally.machine.steal / tally.machine.total : undefined,
  };
}

/**
 * Every side under the same load: each warmed up, then measured in alternating slices, so that the machine's
 * drift over the set (this VM's throughput moves by ±20 % within a minute) falls on all alike.
 */
async function measurePair(workload: Workload, concurrency: number): Promise<PairResult> {
  for (const side of SIDES) await closedLoop(workload[side].op, concurrency, WARMUP_MS);
  const tallies = Object.fromEntries(SIDES.map((side) => [side, newTally()])) as Record<Side, Tally>;
  for (let slice = 0; slice < MEASURE_SLICES; slice++) {
    for (const side of SIDES) await closedLoop(workload[side].op, concurrency, MEASURE_MS / MEASURE_SLICES, tallies[side]);
  }
  const measured = Object.fromEntries(SIDES.map((side) => [side, measurement(tallies[side])])) as Record<Side, Measurement>;
  for (const side of SIDES) {
    const m = measured[side];
    const failures = m.errors ? `, ${m.errors} errors (first: ${m.firstError})` : '';
    console.log(`  ${side} ${workload[side].name} c=${concurrency}: ${m.reqPerSec.toFixed(0)} req/s, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms${failures}`);
  }
  return { workload, concurrency, measured };
}

/** Ids of every company written so far; reads cycle through them so each GET finds an item. */
class CompanyIds {
  private readonly ids: string[] = [];
  private cursor = 0;

  add(id: string) {
    this.ids.push(id);
  }

  next(): string {
    if (this.ids.length === 0) throw new Error('no company written yet to read back');
    return this.ids[this.cursor++ % this.ids.length]!;
  }
}

let companyCounter = 0;
const newCompanyFields = () => ({ name: `Bench Company ${++companyCounter}`, employees: Math.floor(Math.random() * 100_000) });

/**
 * The same DynamoDB calls the handlers make (conditional put of the item with its name-index keys, consistent
 * read), so the ratio measures what the API adds rather than a difference in database work.
 */
function putCompany(client: DynamoDBDocumentClient, tableName: string) {
  return async (fields: ReturnType<typeof newCompanyFields>) => {
    const at = new Date().toISOString();
    const company = { ...fields, companyId: randomUUID(), version: 1, createdAt: at, updatedAt: at };
    await client.send(new PutCommand({ TableName: tableName, Item: { ...company, ...nameIndexKeys(company) }, ConditionExpression: 'attribute_not_exists(companyId)' }));
    return company;
  };
}

function rawOps(client: DynamoDBDocumentClient, tableName: string, ids: CompanyIds) {
  const putOne = putCompany(client, tableName);
  const put: Op = async () => {
    ids.add((await putOne(newCompanyFields())).companyId);
  };
  const get: Op = async () => {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { companyId: ids.next() }, ConsistentRead: true }));
    if (!Item) throw new Error('GetItem found no item');
  };
  return { put, get };
}

interface ApiTarget {
  agent: Agent;
  host: string;
  port: number;
}

/**
 * One HTTP exchange over the keep-alive agent, the response body read in full as a real client would. The
 * request goes as options rather than a URL string to parse, as the SDK's node:http handler sends its own.
 */
function send({ agent, host, port }: ApiTarget, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const headers: Record<string, string | number> = body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// node:http rather than fetch: the SDK's own transport is node:http, so both sides pay the same client cost.
function apiOps(agent: Agent, baseUrl: string, ids: CompanyIds) {
  const { hostname, port } = new URL(baseUrl);
  const target: ApiTarget = { agent, host: hostname, port: Number(port) };
  const post: Op = async () => {
    const { status, text } = await send(target, 'POST', '/companies', JSON.stringify(newCompanyFields()));
    if (status !== 201) throw new Error(`POST /companies answered ${status}: ${text.slice(0, 200)}`);
    ids.add((JSON.parse(text) as { companyId: string }).companyId);
  };
  const get: Op = async () => {
    const { status, text } = await send(target, 'GET', `/companies/${ids.next()}`);
    if (status !== 200) throw new Error(`GET /companies/{id} answered ${status}: ${text.slice(0, 200)}`);
  };
  return { post, get };
}

const runChild = promisify(execFile);

// Only require() is timed: the child's own start-up is not part of loading the bundle.
const LOAD_PROBE = 'const t = performance.now(); require(process.argv[1]); process.stdout.write(String(performance.now() - t));';

/** Loads the bundle in a fresh Node with a Lambda-like bare environment (no NODE_OPTIONS, no tsx loader). */
async function coldLoadMs(bundlePath: string, tableName: string): Promise<number> {
  const { stdout } = await runChild(process.execPath, ['-e', LOAD_PROBE, bundlePath], {
    env: { TABLE_NAME: tableName, AWS_REGION: LOCAL_REGION },
  });
  return Number(stdout);
}

/** The `SomeError: message` line of a failed child, not the source excerpt Node prints above it. */
function loadErrorMessage(error: unknown): string {
  const lines = String((error as { stderr?: string }).stderr || error).split('\n');
  return (lines.find((line) => /^\w*Error\b/.test(line)) ?? lines[0] ?? '').trim();
}

async function measureBundles(functions: FunctionSpec[], tableName: string): Promise<BundleResult[]> {
  const results: BundleResult[] = [];
  for (const fn of functions.filter((f) => f.build)) {
    for (const file of readdirSync(fn.bundleDir).filter((name) => name.endsWith('.js'))) {
      const path = join(fn.bundleDir, file);
      process.stdout.write(`  ${fn.logicalId}/${file} … `);
      const result: BundleResult = { logicalId: fn.logicalId, file, bytes: statSync(path).size, coldLoadMs: [] };
      try {
        // One at a time, so the runs do not compete with each other for the two cores.
        for (let run = 0; run < COLD_LOAD_RUNS; run++) result.coldLoadMs.push(await coldLoadMs(path, tableName));
        console.log(`${result.bytes} bytes, cold load median ${median(result.coldLoadMs).toFixed(1)} ms`);
      } catch (error) {
        // A bundle that throws on load is a finding to report, not a reason to skip the load test.
        result.loadError = loadErrorMessage(error);
        console.log(`${result.bytes} bytes, load failed: ${result.loadError}`);
      }
      results.push(result);
    }
  }
  return results;
}

const measurementCells = (m: Measurement) => [
  m.reqPerSec.toFixed(0),
  m.p50.toFixed(2),
  m.p99.toFixed(2),
  String(m.requests),
  String(m.errors),
  (m.mainLoopBusy * 100).toFixed(0),
  m.cpuMsPerRequest.toFixed(2),
  m.coresIdle === undefined ? '-' : (m.coresIdle * 100).toFixed(0),
  m.steal === undefined ? '-' : (m.steal * 100).toFixed(1),
];

function printReport(pairs: PairResult[], bundles: BundleResult[]) {
  console.log(`\n=== Results (Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}) ===\n`);
  printTable(
    ['operation', 'c', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'errors', 'main loop busy %', 'node CPU ms/req', 'cores idle %', 'steal %'],
    pairs.flatMap(({ workload, concurrency, measured }) =>
      SIDES.map((side) => [`${side} ${workload[side].name}`, String(concurrency), ...measurementCells(measured[side])]),
    ),
  );

  console.log(`\nThroughput ÷ raw (target for the API ≥ ${RATIO_TARGET} at c=16):\n`);
  printTable(
    ['pair', 'c', 'API ÷ raw', 'target', 'bare HTTP ÷ raw', 'API ÷ bare HTTP'],
    pairs.map(({ workload, concurrency, measured }) => {
      const { raw, API: api, 'bare HTTP': bare } = measured;
      const ratio = api.reqPerSec / raw.reqPerSec;
      const verdict =
        api.errors + raw.errors > 0 ? 'not judged: errors' : ratio >= RATIO_TARGET ? 'met' : `missed by ${(RATIO_TARGET - ratio).toFixed(2)}`;
      return [
        `${workload.API.name} ÷ ${workload.raw.name}`,
        String(concurrency),
        ratio.toFixed(2),
        concurrency === 16 ? verdict : '(info)',
        (bare.reqPerSec / raw.reqPerSec).toFixed(2),
        (api.reqPerSec / bare.reqPerSec).toFixed(2),
      ];
    }),
  );

  console.log(`\nBundles from .aws-sam/build (target ≤ ${BUNDLE_LIMIT_BYTES / 1000} KB = ${BUNDLE_LIMIT_BYTES} bytes; cold load = median of ${COLD_LOAD_RUNS} fresh processes):\n`);
  printTable(
    ['bundle', 'bytes', 'KiB', 'size target', 'cold load ms', 'runs ms (or load error)'],
    bundles.map((b) => [
      `${b.logicalId}/${b.file}`,
      String(b.bytes),
      (b.bytes / 1024).toFixed(1),
      b.bytes <= BUNDLE_LIMIT_BYTES ? 'met' : `over by ${b.bytes - BUNDLE_LIMIT_BYTES}`,
      b.loadError ? 'failed' : median(b.coldLoadMs).toFixed(1),
      b.loadError ?? b.coldLoadMs.map((ms) => ms.toFixed(0)).join(' '),
    ]),
  );

  console.log(`
What the numbers mean:
  - raw: the AWS SDK v3 document client straight to DynamoDB Local, making the same calls the handlers make
    (conditional PutItem, consistent GetItem). It is the ceiling the API can approach on this machine.
  - API: HTTP to the local stage: API Gateway emulation (routing, edge validation, proxy event), a Lambda
    execution environment (a worker thread running the built bundle, with its own SDK client), then the same
    DynamoDB Local. The benchmark client and the gateway share this process's event loop, and everything,
    DynamoDB Local's JVM included, shares these ${cpus().length} cores, so the ratio is a local figure, not AWS's.
  - bare HTTP: a plain node:http server in this process doing the same DynamoDB calls with its own SDK client,
    nothing else: the floor of any design that serves HTTP in front of the SDK. API ÷ bare HTTP is what the
    Lambda model (gateway, environments one invocation at a time, their logs and metrics) costs here.
  - Closed loop: c workers each wait for an answer before sending again, so req/s ≈ c ÷ mean latency.
    First every side was warmed at c=16 with ${WARMUP_REQUESTS_PER_ISOLATE.toLocaleString('en')} requests of each kind per isolate: raw and bare HTTP
    run in this process's isolate, the API in ${DEFAULT_ENVIRONMENTS} environments per function (${WARMUP_REQUESTS.API.toLocaleString('en')} requests). Then, at each
    concurrency, each side ran ${WARMUP_MS / 1000} s of warm-up, then ${MEASURE_MS / 1000} s measured in ${MEASURE_SLICES} slices taken in turn with the others';
    latencies are per request, nearest-rank percentiles.
  - main loop busy %: near 100 means this process's event loop (client + gateway) was the bottleneck.
    node CPU ms/req: all of this process's threads; multiply by req/s to see how much of the cores it took.
    cores idle % and steal %: the whole machine's CPU time left unused, and taken by the hypervisor for other
    machines: steal means other machines disturbed the run.
  - Cold load: require() of the bundle alone in a fresh Node, TABLE_NAME and AWS_REGION set. Handlers build their
    clients on first invocation, so this is module evaluation only, without Node's start-up or Lambda's INIT.`);
}

/** A document client on the stage's DynamoDB Local, marshalling as the functions' own does. */
const documentClientOf = (stage: BenchStage) =>
  DynamoDBDocumentClient.from(localDynamoDbClient(stage.dynamoEndpoint, stage.credentials), { marshallOptions: { removeUndefinedValues: true } });

async function measureLoad(stage: BenchStage): Promise<PairResult[]> {
  const client = documentClientOf(stage);
  const busiest = Math.max(...CONCURRENCIES);
  // The servers close a connection idle for 5 s (Node's keepAliveTimeout), about as long as the other sides'
  // slices leave this one's: a request sent on it as the server closes it fails with "socket hang up". The
  // client lets go of an idle connection first.
  const agent = new Agent({ keepAlive: true, maxSockets: busiest, timeout: 3_000 });
  const bareClient = documentClientOf(stage);
  const bareHttp = await startBareHttpServer(bareClient, stage.tableName, putCompany(bareClient, stage.tableName));
  try {
    const ids = new CompanyIds();
    const raw = rawOps(client, stage.tableName, ids);
    const api = apiOps(agent, stage.url, ids);
    const bare = apiOps(agent, bareHttp.url, ids);
    // Writes come first at each concurrency so the reads have ids; the sides alternate so drift hits all.
    const workloads: Workload[] = [
      { raw: { name: 'PutItem', op: raw.put }, API: { name: 'POST /companies', op: api.post }, 'bare HTTP': { name: 'POST /companies', op: bare.post } },
      { raw: { name: 'GetItem', op: raw.get }, API: { name: 'GET /companies/{id}', op: api.get }, 'bare HTTP': { name: 'GET /companies/{id}', op: bare.get } },
    ];
    console.log(`\nWarming every side up at c=${busiest} (writes first, so the reads have ids):`);
    for (const workload of workloads) {
      for (const side of SIDES) await warmUp(`${side} ${workload[side].name}`, workload[side].op, busiest, WARMUP_REQUESTS[side]);
    }
    const pairs: PairResult[] = [];
    for (const concurrency of CONCURRENCIES) {
      console.log(`\nConcurrency ${concurrency}:`);
      for (const workload of workloads) pairs.push(await measurePair(workload, concurrency));
    }
    return pairs;
  } finally {
    agent.destroy();
    bareHttp.server.close();
    client.destroy();
    bareClient.destroy();
  }
}

async function main() {
  const model = loadStage();
  console.log('Bundle size and cold module load:');
  const bundles = await measureBundles(model.functions, model.table.createTable.TableName!);

  // The stage serves immutable copies of the bundles (published version 1), so a concurrent build
  // cannot pull them away mid-run.
  console.log('\nStarting the local stage (DynamoDB Local, Lambda environments, API)…');
  const stage = await startLocalStage({ port: 0 });
  let pairs: PairResult[];
  try {
    console.log(`API ${stage.url}, DynamoDB Local ${stage.dynamoEndpoint}, table ${stage.tableName}`);
    pairs = await measureLoad(stage);
  } finally {
    await stage.stop();
  }
  printReport(pairs, bundles);
}

main().catch((error) => {
  console.error(`benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
