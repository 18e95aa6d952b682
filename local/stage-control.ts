import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { dirname, join } from 'node:path';
import { type Rehearsal, type RehearsalOptions, rehearseOn } from './deploy/rehearsal';
import type { LocalStage } from './local-stage';
import { ROOT } from './template/cloudformation';

/**
 * How `npm run deploy:local` reaches a stage that `npm start` is serving: the stage writes where it
 * listens to .local/stage.json, and runs rehearsals on itself when asked on a loopback control port,
 * streaming their progress back as JSON lines.
 */
export const STAGE_FILE = join(ROOT, '.local', 'stage.json');

type ControlRequest = Pick<RehearsalOptions, 'trafficRps' | 'timeScale'> & { sourceRoot?: string };
type ControlLine = { message: string } | { progress: unknown } | { result: Rehearsal } | { error: string };

export async function serveControl(stage: LocalStage): Promise<{ stop(): Promise<void> }> {
  let busy = false;
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/rehearsals') return void res.writeHead(404).end();
    if (busy) return void res.writeHead(409, { 'Content-Type': 'text/plain' }).end('A rehearsal is already running on this stage.\n');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      busy = true;
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      const send = (line: ControlLine) => res.write(`${JSON.stringify(line)}\n`);
      try {
        const asked = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ControlRequest;
        const result = await rehearseOn(stage, {
          sourceRoot: asked.sourceRoot ?? ROOT,
          reportsDir: join(ROOT, '.local', 'deployments'),
          trafficRps: asked.trafficRps,
          timeScale: asked.timeScale,
          onMessage: (message) => send({ message }),
          onProgress: (progress) => send({ progress }),
        });
        send({ result });
      } catch (error) {
        send({ error: (error as Error).message });
      } finally {
        busy = false;
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const control = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  mkdirSync(dirname(STAGE_FILE), { recursive: true });
  writeFileSync(STAGE_FILE, JSON.stringify({ pid: process.pid, url: stage.url, control }));
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        rmSync(STAGE_FILE, { force: true });
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The stage `npm start` is serving, if one is: its file names a live process. */
export function runningStage(): { pid: number; url: string; control: string } | undefined {
  if (!existsSync(STAGE_FILE)) return undefined;
  const stage = JSON.parse(readFileSync(STAGE_FILE, 'utf8'));
  try {
    process.kill(stage.pid, 0);
    return stage;
  } catch {
    return undefined;
  }
}

/** Asks a running stage to rehearse, passing its progress on as it comes. */
export function requestRehearsal(control: string, asked: ControlRequest, on: { message(line: string): void; progress(update: unknown): void }): Promise<Rehearsal> {
  return new Promise((resolve, reject) => {
    const req = request(`${control}/rehearsals`, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(res.statusCode === 409 ? 'a rehearsal is already running on the local stage; wait for it' : `the local stage answered ${res.statusCode}`));
      }
      let buffered = '';
      let result: Rehearsal | undefined;
      res.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const text of lines.filter(Boolean)) {
          const line = JSON.parse(text) as ControlLine;
          if ('message' in line) on.message(line.message);
          else if ('progress' in line) on.progress(line.progress);
          else if ('result' in line) result = line.result;
          else reject(new Error(line.error));
        }
      });
      res.on('end', () => (result ? resolve(result) : reject(new Error('the local stage ended the rehearsal without a result'))));
    });
    req.on('error', (error) => reject(new Error(`could not reach the local stage: ${error.message}`)));
    req.end(JSON.stringify(asked));
  });
}
