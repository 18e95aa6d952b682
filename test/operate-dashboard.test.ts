import { execFile, execFileSync } from 'node:child_process';
import { get } from 'node:http';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { freePort } from '../local/net';
import { requestRehearsal, runningStage } from '../local/running-stage';
import { ROOT } from '../local/template/cloudformation';
import { loadStage } from '../local/template/stage';
import { launchChromium } from './support/browser';
import { type Dashboard, startDashboard, stopDashboard } from './support/dashboard';
import { goodGetCompany } from './support/candidate-patches';
import { copySource, removeCandidates } from './support/candidates';
import { killStage, npmStart, type Started } from './support/npm-start';

/**
 * `npm run canary -- dashboard --local` as an operator uses it: started beside a running stage, its printed
 * URL opened in headless Chromium, and read through what the page shows while the stage changes under it.
 */
const run = promisify(execFile);

let stage: Started | undefined;
let dashboard: Dashboard;
let url: string;
let browser: Browser;
let page: Page;
/** What the routing reads once an operator has shifted a quarter of GetCompanyFunction's traffic. */
let routedByHand: string;

beforeAll(async () => {
  stage = await npmStart(await freePort(), ['--quiet']);
  const port = await freePort();
  dashboard = await startDashboard(port);
  expect(dashboard.port).toBe(port);
  url = dashboard.url;
  browser = await launchChromium();
  page = await browser.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  stopDashboard(dashboard);
  if (stage) await killStage(stage);
  removeCandidates();
});

/** GET with the Host header given, as a page on another hostname (DNS rebinding) would send it. */
function request(path: string, host?: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    get({ hostname, port, path, headers: host ? { Host: host } : {} }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    }).on('error', reject);
  });
}

/** The tool's tsx process beneath npm: `kill <pid>` of it, as a user stops a command (tsx passes the signal on). */
function toolPid(): number {
  const tool = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, pgid, ...args]) => Number(pgid) === dashboard.child.pid && /bin\/tsx operate\/cli\.ts dashboard/.test(args.join(' ')));
  expect(tool).toHaveLength(1);
  return Number(tool[0]![0]);
}

const section = (logicalId: string) => page.locator(`section[data-function="${logicalId}"]`);
/** Waits until the page shows `text` in one of `testId`'s elements of the function, as the page redraws itself. */
const shows = (logicalId: string, testId: string, text: string | RegExp, timeout = 10_000) =>
  section(logicalId).getByTestId(testId).filter({ hasText: text }).waitFor({ timeout });

it('shows every gradually deployed function of the template, each routing all its traffic to version 1', async () => {
  const model = loadStage();
  const gradual = model.functions.filter((fn) => model.deploymentOf(fn.logicalId, '1')).map((fn) => fn.logicalId);
  expect(gradual.length).toBeGreaterThan(0);
  await page.goto(url);
  for (const logicalId of gradual) {
    await shows(logicalId, 'routing', 'live → version 1 100 %');
    expect(await section(logicalId).locator('figcaption').allTextContents()).toEqual(['Requests per minute', 'Error share', 'p99 duration']);
  }
  expect(await page.locator('section.function').count()).toBe(gradual.length);
  expect(await page.locator('#read-at').textContent()).toMatch(/^Read at \d\d:\d\d:\d\d$/);
  expect(await page.locator('#error').isHidden()).toBe(true);
});

it('redraws, without a reload, the last deployment and the routing an operator sets', async () => {
  await page.evaluate(() => ((globalThis as { unreloaded?: boolean }).unreloaded = true));
  const sourceRoot = copySource([goodGetCompany]);
  const quiet = { message: () => undefined, progress: () => undefined };
  const rehearsal = await requestRehearsal(runningStage()!, { sourceRoot, trafficRps: 3, timeScale: 30 }, quiet);
  const getCompany = rehearsal.report.functions.find((f) => f.logicalId === 'GetCompanyFunction')!;
  expect(getCompany.targetVersion).toBe('2');
  // A good candidate deploys; on a machine loaded to saturation its hooks can fail, and the page must say so just the same.
  const history = await run('npm', ['run', '-s', 'canary', '--', 'history', 'GetCompanyFunction', '--local', '--json', '--limit', '1'], { cwd: ROOT });
  const [last] = JSON.parse(history.stdout);
  expect(last.status === 'Succeeded').toBe(getCompany.outcome === 'Succeeded');
  await shows('GetCompanyFunction', 'deployment-id', last.deploymentId);
  await shows('GetCompanyFunction', 'deployment', `${last.status} version 1 → 2`);
  const own = getCompany.aliasAfter!.functionVersion;
  await shows('GetCompanyFunction', 'routing', `live → version ${own} 100 %`);

  const other = own === '2' ? '1' : '2';
  await run('npm', ['run', '-s', 'canary', '--', 'shift', 'GetCompanyFunction', '--local', '--to', other, '--weight', '0.25'], { cwd: ROOT });
  routedByHand = `live → version ${own} 75 %, version ${other} 25 %`;
  await shows('GetCompanyFunction', 'routing', routedByHand, 6_000);
  expect(await page.evaluate(() => (globalThis as { unreloaded?: boolean }).unreloaded)).toBe(true);
}, 150_000);

it('answers only the printed URL, as 127.0.0.1, to GET: no data without the token or under another Host', async () => {
  const { pathname, port } = new URL(url);
  const json = await request(`${pathname}status.json`);
  expect(json.status).toBe(200);
  expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(JSON.parse(json.text).functions.map((f: { logicalId: string }) => f.logicalId)).toContain('GetCompanyFunction');

  for (const path of ['/status.json', '/', `/${'x'.repeat(43)}/status.json`, `${pathname.slice(0, -2)}/status.json`]) {
    const refused = await request(path);
    expect({ path, status: refused.status }).toEqual({ path, status: 403 });
    expect(refused.text).not.toContain('GetCompanyFunction');
  }
  const rebound = await request(`${pathname}status.json`, `attacker.example:${port}`);
  expect(rebound.status).toBe(421);
  expect(rebound.text).not.toContain('GetCompanyFunction');
  expect((await request(`${pathname}status.json`, `localhost:${port}`)).status).toBe(421);

  const posted = await fetch(url, { method: 'POST' });
  expect(posted.status).toBe(405);
  const html = await request(pathname);
  expect(html.headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+'; connect-src 'self'/);
  expect(html.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' });
});

it('keeps the last data it read under an error banner when the stage goes away, and stops cleanly on SIGTERM', async () => {
  await killStage(stage!);
  stage = undefined;
  const banner = /^Could not read the status at \d\d:\d\d:\d\d: .+ The page shows what was read at \d\d:\d\d:\d\d\.$/;
  await page.locator('#error').filter({ hasText: banner }).waitFor({ timeout: 20_000 });
  expect(await section('GetCompanyFunction').getByTestId('routing').textContent()).toBe(routedByHand);

  process.kill(toolPid(), 'SIGTERM');
  expect(await dashboard.exited).toBe(0);
  expect(dashboard.output()).toContain('SIGTERM: dashboard stopped');
}, 60_000);
