import { type ChildProcess, spawn } from 'node:child_process';
import { ROOT } from '../../local/template/cloudformation';

/** `npm run canary -- dashboard --local --port <port>` as an operator starts it, once it listens. */
export interface Dashboard {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** The URL it printed, its token in the path. */
  url: string;
  /** The port that URL names. */
  port: number;
}

/** The line the tool prints once it listens. */
const LISTENING = /^dashboard of the local stage .*: (http:\/\/127\.0\.0\.1:(\d+)\/\S+\/)$/m;

export async function startDashboard(port: number): Promise<Dashboard> {
  // A process group of its own, so that a test can stop npm, tsx and the tool at once.
  const child = spawn('npm', ['run', '-s', 'canary', '--', 'dashboard', '--local', '--port', String(port)], { cwd: ROOT, detached: true });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!LISTENING.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the dashboard did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const [, url, printedPort] = LISTENING.exec(output)!;
  return { child, output: () => output, exited, url: url!, port: Number(printedPort) };
}

/** Stops the tool and what npm started for it, if it still runs. */
export function stopDashboard(dashboard: Dashboard | undefined): void {
  if (dashboard?.child.exitCode === null) process.kill(-dashboard.child.pid!, 'SIGTERM');
}
