import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../local/net';
import { ROOT } from '../local/template/cloudformation';
import { apiClient } from './support/http';

/** `npm start` as a user runs it: a child process, real HTTP, Ctrl-C, and no Java process left behind. */

interface Started {
  child: ChildProcess;
  output: () => string;
  dynamoPort: number;
  exited: Promise<number | null>;
}

async function npmStart(port: number, args: string[]): Promise<Started> {
  // A process group of its own, so a signal reaches every process in it, as Ctrl-C in a terminal does.
  const child = spawn('npm', ['start', '--silent', '--', ...args], { cwd: ROOT, env: { ...process.env, PORT: String(port) }, detached: true });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!output.includes('Ctrl-C stops the stage')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const dynamoPort = Number(/on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)![1]);
  return { child, output: () => output, dynamoPort, exited };
}

const javaOnPort = (port: number) =>
  execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('DynamoDBLocal.jar') && line.includes(`-port ${port}`));

async function gone(port: number): Promise<string[]> {
  for (let i = 0; i < 100 && javaOnPort(port).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  return javaOnPort(port);
}

/** Ctrl-C: SIGINT to the whole process group, npm included. */
async function ctrlC(started: Started) {
  process.kill(-started.child.pid!, 'SIGINT');
  await started.exited;
  expect(await gone(started.dynamoPort)).toEqual([]);
  expect(started.output()).toContain('SIGINT: stopping');
}

/** `kill <pid>` of the stage alone: only its own shutdown can stop DynamoDB Local. */
async function killStage(started: Started) {
  const stage = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, pgid, ...args]) => Number(pgid) === started.child.pid && /bin\/tsx local\/cli\/start\.ts/.test(args.join(' ')));
  expect(stage.length).toBeGreaterThan(0);
  for (const [pid] of stage) process.kill(Number(pid), 'SIGTERM');
  expect(await started.exited).toBe(0);
  expect(await gone(started.dynamoPort)).toEqual([]);
}

describe('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'company-canary-stage-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves the API, logs each request, and stops everything on Ctrl-C; --data-dir keeps the data', async () => {
    const port = await freePort();
    const first = await npmStart(port, ['--data-dir', dataDir]);
    expect(first.output()).toMatch(/POST\s+\/companies\s+→ CreateCompanyFunction:live/);
    expect(first.output()).toMatch(/GET\s+\/companies\/\{companyId\}\s+→ GetCompanyFunction:live/);
    expect(javaOnPort(first.dynamoPort)).toHaveLength(1);
    const call = apiClient(`http://127.0.0.1:${port}`);
    const created = await call('POST', '/companies', { json: { name: 'Persisted', employees: 7 } });
    expect(created.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(first.output()).toContain(`POST /companies 201`);
    await ctrlC(first);

    const second = await npmStart(port, ['--data-dir', dataDir]);
    expect(second.output()).toMatch(/\(existing\)/);
    const read = await call('GET', `/companies/${created.body.companyId}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    await killStage(second);
  }, 120_000);

  it('keeps data in memory by default: a restart starts empty', async () => {
    const port = await freePort();
    const started = await npmStart(port, ['--quiet']);
    expect(started.output()).toContain('in memory');
    const call = apiClient(`http://127.0.0.1:${port}`);
    expect((await call('POST', '/companies', { json: { name: 'Ephemeral', employees: 1 } })).status).toBe(201);
    expect((await call('GET', '/companies')).body.items).toHaveLength(1);
    await killStage(started);
  }, 120_000);
});
