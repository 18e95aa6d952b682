import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { ROOT } from '../../local/template/cloudformation';

/** `npm start` run as a user runs it, and stopped the two ways a user stops it. */

export interface Started {
  child: ChildProcess;
  output: () => string;
  dynamoPort: number;
  exited: Promise<number | null>;
}

export async function npmStart(port: number, args: string[]): Promise<Started> {
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

export const javaOnPort = (port: number) =>
  execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('DynamoDBLocal.jar') && line.includes(`-port ${port}`));

async function gone(port: number): Promise<string[]> {
  for (let i = 0; i < 100 && javaOnPort(port).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  return javaOnPort(port);
}

/** Ctrl-C: SIGINT to the whole process group, npm included. */
export async function ctrlC(started: Started) {
  process.kill(-started.child.pid!, 'SIGINT');
  await started.exited;
  expect(await gone(started.dynamoPort)).toEqual([]);
  expect(started.output()).toContain('SIGINT: stopping');
}

/** `kill <pid>` of the stage alone: only its own shutdown can stop DynamoDB Local. */
export async function killStage(started: Started) {
  const stage = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, pgid, ...args]) => Number(pgid) === started.child.pid && /bin\/tsx local\/cli\/start\.ts/.test(args.join(' ')));
  expect(stage.length).toBeGreaterThan(0);
  for (const [pid] of stage) process.kill(Number(pid), 'SIGTERM');
  expect(await started.exited).toBe(0);
  expect(await gone(started.dynamoPort)).toEqual([]);
}

