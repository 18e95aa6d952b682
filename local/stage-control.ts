import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, isAbsolute, join, relative } from 'node:path';
import type { StageCredentials } from './credentials';
import { type Rehearsal, type RehearsalOptions, rehearseOn } from './deploy/rehearsal';
import type { LocalStage } from './local-stage';
import { listenOnLoopback, localServer } from './net';
import { readBody } from './services/aws-json-protocol';
import { alarmTiming } from './services/cloudwatch/aws-timing';
import { ROOT } from './template/cloudformation';

/**
 * How `npm run deploy:local` reaches a stage that `npm start` is serving: the stage writes where it
 * listens, with a secret, to .local/stage.json (readable by its owner only), and runs rehearsals on itself
 * when asked on a loopback control port, streaming their progress back as JSON lines. A rehearsal builds
 * and runs code, so the port serves only requests that carry the secret as a bearer token, send JSON, and
 * come from no web page (browsers add Origin to every cross-site POST, and cannot add Authorization to one).
 */
export const STAGE_FILE = join(ROOT, '.local', 'stage.json');

export interface StageFile {
  pid: number;
  url: string;
  control: string;
  /** The bearer token the control port requires. */
  controlToken: string;
  /** What the stage's AWS endpoints require, for an SDK or the AWS CLI pointed at them. */
  credentials: StageCredentials;
  endpoints: Record<string, string>;
}

type ControlRequest = Pick<RehearsalOptions, 'trafficRps' | 'timeScale' | 'alarmTiming'> & { sourceRoot?: string };
type ControlLine = { message: string } | { progress: unknown } | { result: Rehearsal } | { error: string };

const MAX_CONTROL_REQUEST_BYTES = 64 * 1024;

/** The source folder a rehearsal may build from: the project or a folder inside it, never elsewhere. */
export function projectFolder(asked: unknown): string {
  if (asked === undefined) return ROOT;
  if (typeof asked !== 'string') throw new Error('sourceRoot must be a folder path');
  let real: string;
  try {
    real = realpathSync(asked);
  } catch {
    throw new Error(`sourceRoot ${asked} does not exist`);
  }
  const inside = relative(realpathSync(ROOT), real);
  if (inside.startsWith('..') || isAbsolute(inside)) throw new Error(`sourceRoot ${asked} is outside the project; a rehearsal builds only the project's own code`);
  return real;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = Buffer.from(/^Bearer (\S+)$/.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

export async function serveControl(stage: LocalStage): Promise<{ stop(): Promise<void> }> {
  const controlToken = randomBytes(32).toString('base64url');
  let busy = false;
  const server = localServer(async (req, res) => {
    const refuse = (status: number, message: string) => void res.writeHead(status, { 'Content-Type': 'text/plain' }).end(`${message}\n`);
    if (req.method !== 'POST' || req.url !== '/rehearsals') return refuse(404, 'Not found.');
    if (req.headers.origin !== undefined) return refuse(403, 'The control port serves no web page.');
    if (!bearerMatches(req.headers.authorization, controlToken)) return refuse(401, `Send the controlToken of ${STAGE_FILE} as a bearer token.`);
    if (req.headers['content-type'] !== 'application/json') return refuse(415, 'Send the request as application/json.');
    if (busy) return refuse(409, 'A rehearsal is already running on this stage.');
    busy = true;
    try {
      let asked: ControlRequest;
      let sourceRoot: string;
      try {
        asked = JSON.parse((await readBody(req, MAX_CONTROL_REQUEST_BYTES)).toString('utf8')) as ControlRequest;
        sourceRoot = projectFolder(asked.sourceRoot);
        asked.alarmTiming = alarmTiming(asked.alarmTiming);
      } catch (error) {
        return refuse(400, (error as Error).message);
      }
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      const send = (line: ControlLine) => res.write(`${JSON.stringify(line)}\n`);
      try {
        const result = await rehearseOn(stage, {
          sourceRoot,
          reportsDir: join(ROOT, '.local', 'deployments'),
          trafficRps: asked.trafficRps,
          timeScale: asked.timeScale,
          alarmTiming: asked.alarmTiming,
          onMessage: (message) => send({ message }),
          onProgress: (progress) => send({ progress }),
        });
        send({ result });
      } catch (error) {
        send({ error: (error as Error).message });
      } finally {
        res.end();
      }
    } finally {
      busy = false;
    }
  });
  const control = await listenOnLoopback(server);
  mkdirSync(dirname(STAGE_FILE), { recursive: true, mode: 0o700 });
  const file: StageFile = { pid: process.pid, url: stage.url, control, controlToken, credentials: stage.credentials, endpoints: stage.endpoints };
  writeFileSync(STAGE_FILE, JSON.stringify(file, null, 2), { mode: 0o600 });
  // writeFileSync's mode applies only when it creates the file; one left by an older stage may be wider.
  chmodSync(STAGE_FILE, 0o600);
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
export function runningStage(): StageFile | undefined {
  if (!existsSync(STAGE_FILE)) return undefined;
  const stage = JSON.parse(readFileSync(STAGE_FILE, 'utf8')) as StageFile;
  try {
    process.kill(stage.pid, 0);
    return stage;
  } catch {
    return undefined;
  }
}

/** Asks a running stage to rehearse, passing its progress on as it comes. */
export function requestRehearsal(
  stage: Pick<StageFile, 'control' | 'controlToken'>,
  asked: ControlRequest,
  on: { message(line: string): void; progress(update: unknown): void },
): Promise<Rehearsal> {
  return new Promise((resolve, reject) => {
    const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${stage.controlToken}` };
    const req = request(`${stage.control}/rehearsals`, { method: 'POST', headers }, (res) => {
      if (res.statusCode !== 200) {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () =>
          reject(new Error(res.statusCode === 409 ? 'a rehearsal is already running on the local stage; wait for it' : `the local stage refused: ${text.trim() || res.statusCode}`)),
        );
        return;
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
