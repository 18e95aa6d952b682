import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import type { StageCredentials } from '../../credentials';
import { freePort } from '../../net';
import { dynamoDbLocalCommand } from './launcher';
import { localDynamoDbClient } from './tables';

/**
 * Amazon's DynamoDB Local as a supervised child process: started on loopback, and started again on the
 * same port when it dies (a crash, the OOM killer, a stray kill), so the stage recovers on its own.
 */
export type DynamoDbLocalEvent =
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null; persisted: boolean }
  | { kind: 'restarted'; afterMs: number }
  | { kind: 'gave-up'; reason: string };

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Keep the data in this folder instead of in memory. */
  persistDir?: string;
  port?: number;
  sharedDb?: boolean;
  /** Whose database the readiness check reads, so that it makes no database of its own. */
  credentials?: StageCredentials;
  /** What happened to the process after it first started. */
  onEvent?: (event: DynamoDbLocalEvent) => void;
}

/** More deaths than this within RESTART_WINDOW_MS means something is wrong that a restart will not fix. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts DynamoDB Local and waits until it answers; keeps it running until stop(). */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const path = options.persistDir && resolvePath(options.persistDir);
  if (path) mkdirSync(path, { recursive: true, mode: 0o700 });
  const args = await dynamoDbLocalCommand({ port, path, sharedDb: options.sharedDb });
  const endpoint = `http://127.0.0.1:${port}`;
  // DynamoDB Local refuses access keys that are not alphanumeric.
  const probe = localDynamoDbClient(endpoint, options.credentials ?? { accessKeyId: 'ReadinessProbe', secretAccessKey: 'ReadinessProbe' });
  let child: ChildProcess | undefined;
  let stopping = false;
  const deaths: number[] = [];

  async function launch(): Promise<ChildProcess> {
    const started = spawn('java', args, { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    started.stdout!.on('data', (chunk) => (output = (output + chunk).slice(-4096)));
    started.stderr!.on('data', (chunk) => (output = (output + chunk).slice(-4096)));
    const exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    const spawnFailed = new Promise<Error>((resolve) => started.once('error', resolve));
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      try {
        await probe.send(new ListTablesCommand({ Limit: 1 }));
        return started;
      } catch {
        const failure = await Promise.race([spawnFailed, exited.then(() => 'exited' as const), sleep(150).then(() => null)]);
        if (failure !== null || Date.now() > deadline) {
          await kill(started);
          const why = failure instanceof Error ? failure.message : output.trim() || `no answer within ${START_TIMEOUT_MS / 1000} s`;
          throw new Error(
            `DynamoDB Local did not start (${why}). It needs Java 17 or later on the PATH: ` +
              'install it (Debian: apt-get install openjdk-17-jre-headless) and try again.',
          );
        }
      }
    }
  }

  function supervise(running: ChildProcess) {
    running.once('exit', (code, signal) => {
      if (stopping) return;
      options.onEvent?.({ kind: 'exited', code, signal, persisted: Boolean(path) });
      const now = Date.now();
      deaths.push(now);
      while (deaths.length > 0 && deaths[0]! < now - RESTART_WINDOW_MS) deaths.shift();
      if (deaths.length > MAX_RESTARTS) {
        options.onEvent?.({ kind: 'gave-up', reason: `it stopped ${deaths.length} times within ${RESTART_WINDOW_MS / 1000} s` });
        return;
      }
      launch().then(
        (restarted) => {
          if (stopping) return void kill(restarted);
          child = restarted;
          supervise(restarted);
          options.onEvent?.({ kind: 'restarted', afterMs: Date.now() - now });
        },
        (error: Error) => options.onEvent?.({ kind: 'gave-up', reason: error.message }),
      );
    });
  }

  child = await launch().catch((error) => {
    probe.destroy();
    throw error;
  });
  supervise(child);
  return {
    endpoint,
    stop: async () => {
      stopping = true;
      if (child) await kill(child);
      probe.destroy();
    },
  };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(killer);
}
