import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort } from '../local/net';
import { requestRehearsal, runningStage } from '../local/running-stage';
import { ROOT } from '../local/template/cloudformation';
import { goodGetCompany } from './support/candidate-patches';
import { copySource, removeCandidates } from './support/candidates';
import { apiClient } from './support/http';
import { killStage, npmStart, type Started } from './support/npm-start';

/**
 * `npm run deploy:local` against the stage `npm start` is serving: the rehearsal runs on that stage, its
 * aliases end on the outcome, and the command's exit code tells CI whether it deployed.
 */
const run = promisify(execFile);

let started: Started;
let port: number;
beforeAll(async () => {
  port = await freePort();
  started = await npmStart(port, ['--quiet']);
}, 90_000);
afterAll(async () => {
  await killStage(started);
  removeCandidates();
});

it('deploys a changed function on the running stage, which then serves it; the same code again deploys nothing', async () => {
  const stage = runningStage()!;
  expect(stage.url).toBe(`http://127.0.0.1:${port}`);
  const sourceRoot = copySource([goodGetCompany]);
  const messages: string[] = [];
  const first = await requestRehearsal(stage, { sourceRoot, trafficRps: 3, timeScale: 30 }, { message: (m) => messages.push(m), progress: () => undefined });
  expect(first.report.outcome).toBe('Deployed');
  expect(first.report.functions.find((f) => f.logicalId === 'GetCompanyFunction')).toMatchObject({ outcome: 'Succeeded', aliasAfter: { functionVersion: '2' } });
  expect(messages).toContain('CreateCompanyFunction: unchanged, skipped');

  const call = apiClient(stage.url);
  const created = await call('POST', '/companies', { json: { name: 'Served by version 2', employees: 2 } });
  expect((await call('GET', `/companies/${created.body.companyId}`)).headers.get('cache-control')).toBe('private');
  await call('DELETE', `/companies/${created.body.companyId}`);

  const again = await requestRehearsal(stage, { sourceRoot, trafficRps: 3, timeScale: 30 }, { message: () => undefined, progress: () => undefined });
  expect(again.report.outcome).toBe('NothingToDeploy');
}, 90_000);

it('npm run deploy:local rehearses on the running stage and exits 0 when it deploys', async () => {
  // The stage now serves the candidate above; the working tree is the code to go back to.
  const { stdout } = await run('npm', ['run', '--silent', 'deploy:local', '--', '--time-scale', '30', '--traffic', '3'], { cwd: ROOT, env: process.env });
  expect(stdout).toContain(`rehearsing on the running local stage (http://127.0.0.1:${port}`);
  expect(stdout).toMatch(/GetCompanyFunction\s+Bake\s+new version\s+10 %/);
  expect(stdout).toMatch(/\nDeployed\n/);
  expect(stdout).toMatch(/GetCompanyFunction: Succeeded\n\s+new version served \d+ requests on its canary share \(0 failed\) and \d+ with all traffic \(0 failed\)/);
  expect(stdout).toMatch(/detected by no alarm and no judge/);
  expect(stdout).toMatch(/report: .*report\.html/);
}, 90_000);
