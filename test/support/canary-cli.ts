import { execFile } from 'node:child_process';
import { ROOT } from '../../local/template/cloudformation';

/** What one run of the operator tool did: its exit code and what it printed. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run canary -- <args> --local`, as an operator runs it against the running stage. */
export const canary = (...args: string[]): Promise<Ran> =>
  new Promise((resolve) => {
    execFile('npm', ['run', '-s', 'canary', '--', ...args, '--local'], { cwd: ROOT }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
