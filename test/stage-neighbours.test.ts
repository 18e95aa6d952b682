import { CreateTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { freePort } from '../local/net';
import { localDynamoDbClient } from '../local/services/dynamodb';
import { runningStage, STAGE_FILE, type StageFile } from '../local/running-stage';
import { apiClient } from './support/http';
import { isLoopback, listenersOf, processGroup } from './support/listeners';
import { killStage, npmStart, type Started } from './support/npm-start';
import { rawRequest } from './support/raw-http';

/**
 * `npm start` as its neighbours meet it: other hosts on the network, other users of the machine, and web
 * pages in the user's browser. None of them may reach anything that runs code or changes data.
 */
let started: Started;
let stage: StageFile;
let port: number;
beforeAll(async () => {
  port = await freePort();
  started = await npmStart(port, ['--quiet']);
  stage = runningStage()!;
}, 90_000);
afterAll(() => killStage(started));

const javaArgs = () =>
  execFileSync('ps', ['-eo', 'pgid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => Number(line.trim().split(/\s+/)[0]) === started.child.pid && line.includes('LoopbackDynamoDbLocal'));

it('listens on loopback only, DynamoDB Local included', () => {
  const listeners = listenersOf(processGroup(started.child.pid!));
  expect(listeners.filter((l) => l.command === 'java').map((l) => l.port)).toContain(started.dynamoPort);
  expect(listeners.length).toBeGreaterThanOrEqual(7);
  expect(listeners.filter((l) => !isLoopback(l.address))).toEqual([]);
});

it('starts DynamoDB Local with telemetry off, and no web page passes its CORS check', async () => {
  expect(javaArgs()).toEqual([expect.stringContaining('-disableTelemetry')]);
  const preflight = await rawRequest(`http://127.0.0.1:${started.dynamoPort}`, 'OPTIONS', '/', {
    headers: [
      ['Origin', 'http://evil.example'],
      ['Access-Control-Request-Method', 'POST'],
      ['Access-Control-Request-Headers', 'authorization,x-amz-target,content-type'],
    ],
  });
  expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
});

it("keeps the stage's tables in its own credentials' database: other credentials see none of them and change nothing", async () => {
  const endpoint = `http://127.0.0.1:${started.dynamoPort}`;
  const own = localDynamoDbClient(endpoint, stage.credentials);
  const stranger = localDynamoDbClient(endpoint, { accessKeyId: 'Stranger', secretAccessKey: 'Stranger' });
  try {
    const ownTables = (await own.send(new ListTablesCommand({}))).TableNames ?? [];
    expect(ownTables.length).toBeGreaterThan(0);
    expect((await stranger.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    await stranger.send(
      new CreateTableCommand({ TableName: ownTables[0], AttributeDefinitions: [{ AttributeName: 'x', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'x', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }),
    );
    expect((await own.send(new ListTablesCommand({}))).TableNames).toEqual(ownTables);
    expect((await apiClient(stage.url)('GET', '/companies')).status).toBe(200);
  } finally {
    own.destroy();
    stranger.destroy();
  }
});

it('writes its secrets to a file only its owner can read, and nowhere else', () => {
  expect(statSync(STAGE_FILE).mode & 0o777).toBe(0o600);
  expect(started.output()).not.toContain(stage.credentials.secretAccessKey);
  expect(started.output()).not.toContain(stage.controlToken);
  expect(stage.controlToken.length).toBeGreaterThanOrEqual(32);
  expect(stage.credentials.accessKeyId).toMatch(/^LOCAL[A-Z0-9]{16}$/);
});

describe('the control port, which builds and runs code', () => {
  const ask = (headers: Array<[string, string]>, body = '{}') => rawRequest(stage.control, 'POST', '/rehearsals', { headers, body });
  const bearer: [string, string] = ['Authorization', `Bearer ${'x'.repeat(43)}`];

  it('refuses what a web page can send: a text/plain form post from another origin, with or without the token', async () => {
    expect((await ask([['Content-Type', 'text/plain'], ['Origin', 'http://evil.example']], '{"sourceRoot":"/tmp"}')).status).toBe(403);
    expect((await ask([['Content-Type', 'application/json'], ['Origin', 'http://evil.example'], ['Authorization', `Bearer ${stage.controlToken}`]])).status).toBe(403);
  });

  it('refuses a request without the token, or with another', async () => {
    expect((await ask([['Content-Type', 'application/json']])).status).toBe(401);
    expect((await ask([['Content-Type', 'application/json'], bearer])).status).toBe(401);
  });

  it('refuses, with the token, a body that is not JSON and a source outside the project', async () => {
    const withToken: [string, string] = ['Authorization', `Bearer ${stage.controlToken}`];
    expect((await ask([['Content-Type', 'text/plain'], withToken])).status).toBe(415);
    const outside = await ask([['Content-Type', 'application/json'], withToken], JSON.stringify({ sourceRoot: '/tmp' }));
    expect(outside.status).toBe(400);
    expect(outside.text).toContain('outside the project');
    const climbing = await ask([['Content-Type', 'application/json'], withToken], JSON.stringify({ sourceRoot: `${process.cwd()}/../..` }));
    expect(climbing.status).toBe(400);
  });
});

describe('the local Lambda endpoint, which runs code', () => {
  it('refuses the cross-site text/plain post a page could send, and creates nothing', async () => {
    const before = (await apiClient(stage.url)('GET', '/companies?limit=100')).body.items.length;
    const event = { httpMethod: 'POST', path: '/companies', headers: { 'content-type': 'application/json' }, body: '{"name":"Planted","employees":1}', requestContext: { requestId: 'x' } };
    const posted = await rawRequest(stage.endpoints.AWS_ENDPOINT_URL_LAMBDA!, 'POST', '/2015-03-31/functions/CreateCompanyFunction/invocations', {
      headers: [['Content-Type', 'text/plain'], ['Origin', 'http://evil.example']],
      body: JSON.stringify(event),
    });
    expect(posted.status).toBe(403);
    expect(posted.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
    expect((await apiClient(stage.url)('GET', '/companies?limit=100')).body.items.length).toBe(before);
  });
});

it('brings DynamoDB Local back when it dies under load, and says what happened and what it did', async () => {
  const call = apiClient(stage.url);
  const java = processGroup(started.child.pid!).find((p) => p.command === 'java')!;
  const load = Array.from({ length: 20 }, (_, i) => call('POST', '/companies', { json: { name: `Under load ${i}`, employees: i } }).catch(() => undefined));
  process.kill(java.pid, 'SIGKILL');
  await Promise.all(load);
  const deadline = Date.now() + 60_000;
  while (!started.output().includes('DynamoDB Local is back') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  expect(started.output()).toMatch(/DynamoDB Local stopped unexpectedly \(SIGKILL\); requests fail until it is back\. It kept its data in memory, so the data is gone\. Restarting it…/);
  expect(started.output()).toMatch(/DynamoDB Local is back after \d+\.\d s: table \S+ created again, empty\./);
  const created = await call('POST', '/companies', { json: { name: 'After the restart', employees: 1 } });
  expect(created.status).toBe(201);
  expect((await call('GET', `/companies/${created.body.companyId}`)).body).toEqual(created.body);
  expect(listenersOf(processGroup(started.child.pid!)).filter((l) => !isLoopback(l.address))).toEqual([]);
}, 90_000);
