import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { StageCredentials } from './credentials';
import type { Rehearsal, RehearsalOptions } from './deploy/rehearsal';
import { ROOT } from './template/cloudformation';

/**
 * How other processes reach a stage that `npm start` serves: it says where it listens, with a secret, in
 * .local/stage.json (readable by its owner only), and its control port (local/stage-control.ts) runs
 * rehearsals and promotions for whoever holds the secret. `deploy:local` and the operator tool use it.
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
  /** The region the stage plays, in the ARNs it answers with. */
  region: string;
  endpoints: Record<string, string>;
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

export type ControlRequest = Pick<RehearsalOptions, 'trafficRps' | 'timeScale' | 'alarmTiming'> & { sourceRoot?: string };
export type ControlLine = { message: string } | { progress: unknown } | { result: Rehearsal } | { error: string };

/** Asks a running stage to end a deployment's bake now; answers what the stage said. */
export function requestPromotion(stage: Pick<StageFile, 'control' | 'controlToken'>, deploymentId: string): Promise<{ status: number; body: { outcome?: string; message?: string } }> {
  return new Promise((resolve, reject) => {
    const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${stage.controlToken}` };
    const req = request(`${stage.control}/promotions`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') }));
    });
    req.on('error', (error) => reject(new Error(`could not reach the local stage: ${error.message}`)));
    req.end(JSON.stringify({ deploymentId }));
  });
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
