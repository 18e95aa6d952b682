import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from '../local/template/cloudformation';

/** `npm run invoke` as a user runs it: a child process on a fresh local stage, printing result and logs. */
const run = promisify(execFile);
const invoke = (...args: string[]) => run('npm', ['run', '--silent', 'invoke', '--', ...args], { cwd: ROOT, env: process.env });

it('runs a Company function with a sample event and prints its answer and log', async () => {
  const { stdout } = await invoke('CreateCompanyFunction', '-e', 'events/create-company.json');
  expect(stdout).toMatch(/CreateCompanyFunction \(version 1\) in \d+ ms/);
  // Its one line for a request served: the metrics, in Embedded Metric Format.
  expect(stdout).toMatch(/--- logs\n.*"CloudWatchMetrics".*"Requests":1,"Http5xx":0/);
  expect(stdout).toMatch(/--- result\n\{\n\s+"statusCode": 201/);
}, 60_000);

it('runs a hook with a sample lifecycle event and prints the status CodeDeploy recorded', async () => {
  const { stdout } = await invoke('PreTrafficHook', '-e', 'events/pre-traffic-hook.json', '--target', 'GetCompanyFunction');
  expect(stdout).toContain('"verdict":"Succeeded"');
  expect(stdout).toContain('--- CodeDeploy recorded: Succeeded');
}, 60_000);

it('says what to do when a hook is invoked without a target', async () => {
  await expect(invoke('PreTrafficHook', '-e', 'events/pre-traffic-hook.json')).rejects.toMatchObject({
    code: 2,
    stderr: expect.stringContaining('say which deployment it judges with --target <LogicalId>'),
  });
}, 60_000);
