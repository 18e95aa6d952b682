import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { rehearseOn } from './deploy/rehearsal';
import type { LocalStage } from './local-stage';
import { listenOnLoopback, localServer } from './net';
import { readBody } from './services/aws-json-protocol';
import { alarmTiming } from './services/cloudwatch/aws-timing';
import { type ControlLine, type ControlRequest, STAGE_FILE, type StageFile } from './running-stage';
import { LOCAL_REGION, ROOT } from './template/cloudformation';

/**
 * The control port of a stage that `npm start` serves: it runs rehearsals on the stage when asked, streaming
 * their progress back as JSON lines, and ends a deployment's bake when an operator promotes it. A rehearsal
 * builds and runs code, so the port serves only requests that carry the secret of .local/stage.json as a
 * bearer token, send JSON, and come from no web page (browsers add Origin to every cross-site POST, and cannot
 * add Authorization to one).
 */
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
    if (req.method !== 'POST' || (req.url !== '/rehearsals' && req.url !== '/promotions')) return refuse(404, 'Not found.');
    if (req.headers.origin !== undefined) return refuse(403, 'The control port serves no web page.');
    if (!bearerMatches(req.headers.authorization, controlToken)) return refuse(401, `Send the controlToken of ${STAGE_FILE} as a bearer token.`);
    if (req.headers['content-type'] !== 'application/json') return refuse(415, 'Send the request as application/json.');
    if (req.url === '/promotions') return promote(stage, req, res);
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
  const file: StageFile = { pid: process.pid, url: stage.url, control, controlToken, credentials: stage.credentials, region: LOCAL_REGION, endpoints: stage.endpoints };
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

/** Ends a deployment's bake now, as an operator asked: 200 when it was baking, 409 when not, 400 for no deployment id. */
async function promote(stage: LocalStage, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const answer = (status: number, body: object) => void res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  let deploymentId: unknown;
  try {
    deploymentId = (JSON.parse((await readBody(req, MAX_CONTROL_REQUEST_BYTES)).toString('utf8')) as { deploymentId?: unknown }).deploymentId;
  } catch {
    return answer(400, { message: 'Send {"deploymentId": "d-…"} as JSON.' });
  }
  if (typeof deploymentId !== 'string') return answer(400, { message: 'Send {"deploymentId": "d-…"} as JSON.' });
  const outcome = stage.codedeploy.promote(deploymentId);
  if (outcome === 'promoted') return answer(200, { deploymentId, outcome });
  const why = outcome === 'not-baking' ? 'is not in a bake (its hooks run, or it shifts now)' : 'is not in progress on this stage';
  answer(409, { deploymentId, outcome, message: `Deployment ${deploymentId} ${why}: nothing to promote.` });
}

