import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import type { DeploymentReport } from '../local/deploy/report';
import { renderReportHtml } from '../local/deploy/report-html';
import { launchChromium } from './support/browser';

/**
 * The deployment report page as a person sees it: rendered to a file, opened in headless Chromium, read
 * through what is visible on the page rather than through the HTML string.
 */

const STARTED = Date.parse('2025-05-14T09:30:00.000Z');
/** Epoch ms `s` seconds into the deployment. */
const t = (s: number) => STARTED + Math.round(s * 1000);
const iso = (s: number) => new Date(t(s)).toISOString();

/** GetCompanyFunction 1 → 2, rolled back during the 10 % phase when a 5xx from version 2 tripped its Http5xx alarm. */
function rolledBackReport(): DeploymentReport {
  const reason = 'alarm GetCompanyHttp5xxAlarm went into ALARM';
  return {
    id: 'd-20250514T093000-7c1e',
    startedAt: iso(0),
    finishedAt: iso(3.05),
    timeScale: 1,
    alarmTiming: { mode: 'instant', lambdaMetricDelaySeconds: 60, emfMetricDelaySeconds: 10, logSubscriptionDelaySeconds: 5, putMetricDataDelaySeconds: 2, alarmPollSeconds: 60 },
    trafficRps: 60,
    outcome: 'RolledBack',
    functions: [
      {
        logicalId: 'GetCompanyFunction',
        functionName: 'GetCompanyFunction',
        currentVersion: '1',
        targetVersion: '2',
        outcome: 'RolledBack',
        reason,
        timeline: [
          { at: t(0.04), kind: 'phase', phase: 'PreTraffic' },
          { at: t(0.95), kind: 'phase', phase: 'Shift' },
          { at: t(0.95), kind: 'weight', targetWeight: 0.1 },
          { at: t(0.95), kind: 'phase', phase: 'Bake' },
          { at: t(2.15), kind: 'first-failure' },
          { at: t(2.2), kind: 'failure-kind', errorType: 'Runtime.ExitError' },
          { at: t(2.31), kind: 'rollback', reason },
          { at: t(2.31), kind: 'weight', targetWeight: 0 },
          { at: t(2.31), kind: 'verdict', outcome: 'RolledBack' },
          { at: t(2.31), kind: 'phase', phase: 'Done' },
        ],
        hooks: [
          {
            hook: 'PreTraffic',
            status: 'Succeeded',
            at: t(0.93),
            evidence: {
              verdict: 'Succeeded',
              target: { functionName: 'GetCompanyFunction', version: '2' },
              evidence: { operation: 'get', passed: 4, failed: [], leftovers: [] },
            },
          },
        ],
        alarms: [{ at: t(2.31), alarm: 'GetCompanyHttp5xxAlarm', state: 'ALARM', values: [1] }],
        summary: {
          requestsServedByTarget: 4,
          failedRequestsServedByTarget: 1,
          canaryShare: { requests: 4, failed: 1 },
          fullShare: { requests: 0, failed: 0 },
          firstShiftToVerdictMs: 1360,
          firstShiftToFirstFailureMs: 1200,
          firstShiftToDetectionMs: 1360,
          detectedBy: 'GetCompanyHttp5xxAlarm',
          sightings: [{ by: 'alarm GetCompanyHttp5xxAlarm', afterMs: 1360 }, { by: reason, afterMs: 1360 }],
          failuresByType: { 'Runtime.ExitError': { canaryShare: 1, fullShare: 0 } },
          detected: 'before-full-shift',
        },
      },
      { logicalId: 'ListCompaniesFunction', functionName: 'ListCompaniesFunction', currentVersion: '3', outcome: 'Unchanged', timeline: [], hooks: [], alarms: [] },
    ],
    traffic: [
      { at: t(0), functionName: 'GetCompanyFunction', version: '1', requests: 20, errors: 0 },
      { at: t(1), functionName: 'GetCompanyFunction', version: '1', requests: 19, errors: 0 },
      { at: t(1), functionName: 'GetCompanyFunction', version: '2', requests: 2, errors: 0 },
      { at: t(2), functionName: 'GetCompanyFunction', version: '1', requests: 19, errors: 0 },
      { at: t(2), functionName: 'GetCompanyFunction', version: '2', requests: 2, errors: 1 },
      { at: t(0), functionName: 'ListCompaniesFunction', version: '3', requests: 12, errors: 0 },
      { at: t(1), functionName: 'ListCompaniesFunction', version: '3', requests: 12, errors: 0 },
      { at: t(2), functionName: 'ListCompaniesFunction', version: '3', requests: 11, errors: 0 },
    ],
  };
}

/**
 * UpdateCompanyFunction 4 → 5 all the way at AWS timing, 60 times faster: 10 % for one minute (1 s of the
 * wall clock), then everything, PostTraffic journey passed; the latency alarm fired after the deployment.
 */
function deployedReport(): DeploymentReport {
  return {
    id: 'd-20250514T093000-a93b',
    startedAt: iso(0),
    finishedAt: iso(4.6),
    timeScale: 60,
    alarmTiming: { mode: 'aws', lambdaMetricDelaySeconds: 60, emfMetricDelaySeconds: 10, logSubscriptionDelaySeconds: 5, putMetricDataDelaySeconds: 2, alarmPollSeconds: 60 },
    trafficRps: 60,
    outcome: 'Deployed',
    functions: [
      {
        logicalId: 'UpdateCompanyFunction',
        functionName: 'UpdateCompanyFunction',
        currentVersion: '4',
        targetVersion: '5',
        outcome: 'Succeeded',
        timeline: [
          { at: t(0.03), kind: 'phase', phase: 'PreTraffic' },
          { at: t(0.9), kind: 'phase', phase: 'Shift' },
          { at: t(0.9), kind: 'weight', targetWeight: 0.1 },
          { at: t(0.9), kind: 'phase', phase: 'Bake' },
          { at: t(1.9), kind: 'weight', targetWeight: 1 },
          { at: t(1.9), kind: 'phase', phase: 'PostTraffic' },
          { at: t(4.1), kind: 'verdict', outcome: 'Succeeded' },
          { at: t(4.1), kind: 'phase', phase: 'Done' },
        ],
        hooks: [
          { hook: 'PreTraffic', status: 'Succeeded', at: t(0.88), evidence: { verdict: 'Succeeded', evidence: { operation: 'update', passed: 5, failed: [], leftovers: [] } } },
          { hook: 'PostTraffic', status: 'Succeeded', at: t(4.08), evidence: { verdict: 'Succeeded', evidence: { executionArn: 'arn:aws:states:local:000000000000:execution:Journey:1', status: 'SUCCEEDED' } } },
        ],
        alarms: [{ at: t(4.5), alarm: 'UpdateCompanyLatencyAlarm', state: 'ALARM', values: [1260] }],
        summary: {
          requestsServedByTarget: 27,
          failedRequestsServedByTarget: 0,
          canaryShare: { requests: 1, failed: 0 },
          fullShare: { requests: 26, failed: 0 },
          firstShiftToVerdictMs: 192_000,
          firstShiftToDetectionMs: 216_000,
          detectedBy: 'UpdateCompanyLatencyAlarm',
          sightings: [{ by: 'alarm UpdateCompanyLatencyAlarm', afterMs: 216_000 }],
          failuresByType: {},
          detected: 'after-deployment-ended',
        },
      },
      { logicalId: 'DeleteCompanyFunction', functionName: 'DeleteCompanyFunction', currentVersion: '2', outcome: 'Unchanged', timeline: [], hooks: [], alarms: [] },
    ],
    traffic: [
      { at: t(0), functionName: 'UpdateCompanyFunction', version: '4', requests: 9, errors: 0 },
      { at: t(1), functionName: 'UpdateCompanyFunction', version: '4', requests: 8, errors: 0 },
      { at: t(1), functionName: 'UpdateCompanyFunction', version: '5', requests: 1, errors: 0 },
      { at: t(2), functionName: 'UpdateCompanyFunction', version: '5', requests: 11, errors: 0 },
      { at: t(3), functionName: 'UpdateCompanyFunction', version: '5', requests: 10, errors: 0 },
      { at: t(4), functionName: 'UpdateCompanyFunction', version: '5', requests: 5, errors: 0 },
    ],
  };
}

let browser: Browser;
let dir: string;
beforeAll(async () => {
  browser = await launchChromium();
  dir = mkdtempSync(join(tmpdir(), 'report-html-'));
});
// KEEP_REPORT_HTML=1 leaves the pages and screenshots in the temporary directory, to look at them.
afterAll(async () => {
  await browser?.close();
  if (dir && !process.env.KEEP_REPORT_HTML) rmSync(dir, { recursive: true, force: true });
});

/** Writes the page where a rehearsal would, opens it from disk and notes every URL it asks for. */
async function open(report: DeploymentReport, name: string): Promise<{ page: Page; requested: string[] }> {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, renderReportHtml(report));
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(pathToFileURL(file).href);
  return { page, requested };
}

async function screenshot(page: Page, name: string) {
  const file = join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const png = readFileSync(file);
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  expect(png.length).toBeGreaterThan(10_000);
}

const text = async (locator: Locator) => (await locator.innerText()).trim();
/** SVG has no innerText: the words drawn are its <text> elements (its <title> is a tooltip). */
const drawn = (locator: Locator) => locator.locator('text').allTextContents();
const centreX = async (locator: Locator) => {
  const box = (await locator.boundingBox())!;
  return box.x + box.width / 2;
};

it('shows a rollback: the outcome, the rollback on the timeline with its reason, and what version 2 served', async () => {
  const { page, requested } = await open(rolledBackReport(), 'rolled-back');
  expect(requested).toEqual([expect.stringMatching(/^file:/)]);

  expect(await text(page.getByTestId('outcome'))).toBe('RolledBack');
  expect(await text(page.getByTestId('deployment-id'))).toBe('d-20250514T093000-7c1e');

  const row = page.getByTestId('summary-GetCompanyFunction');
  expect(await text(row.getByTestId('summary-versions'))).toBe('1 → 2');
  expect(await text(row.getByTestId('summary-outcome'))).toBe('RolledBack');
  expect(await text(row.getByTestId('summary-reason'))).toBe('alarm GetCompanyHttp5xxAlarm went into ALARM');
  expect(await text(row.getByTestId('summary-requests'))).toBe('4');
  expect(await text(row.getByTestId('summary-failed'))).toBe('1');
  expect(await text(row.getByTestId('summary-verdict-time'))).toBe('1.4 s');
  expect(await text(page.getByTestId('summary-ListCompaniesFunction').getByTestId('summary-outcome'))).toBe('Unchanged');
  expect(await page.getByTestId('function-ListCompaniesFunction').count()).toBe(0);

  const section = page.getByTestId('function-GetCompanyFunction');
  await expect(section.getByTestId('reason').isVisible()).resolves.toBe(true);
  expect(await text(section.getByTestId('reason'))).toContain('alarm GetCompanyHttp5xxAlarm went into ALARM');

  const timeline = section.getByTestId('timeline-GetCompanyFunction');
  const rollback = timeline.getByTestId('rollback-marker');
  await expect(rollback.isVisible()).resolves.toBe(true);
  expect(await drawn(rollback)).toEqual(['Rollback: alarm GetCompanyHttp5xxAlarm went into ALARM']);
  // At 2.31 s on the shared axis: between the ticks for 2 and 3 seconds, nearer 2.
  const tick = (label: string) => timeline.getByTestId('x-tick').filter({ hasText: new RegExp(`^${label}$`) });
  const [two, three, line] = await Promise.all([centreX(tick('2')), centreX(tick('3')), centreX(rollback.locator('path'))]);
  expect((line - two) / (three - two)).toBeCloseTo(0.31, 1);

  const weight = timeline.getByTestId('weight-line');
  await expect(weight.isVisible()).resolves.toBe(true);
  expect(await drawn(weight)).toEqual(['10%', '0%']);
  const versions = await timeline.locator('[data-testid^="rate-v"]').evaluateAll((series) => series.map((s) => s.getAttribute('data-version')));
  expect(versions).toEqual(['1', '2']);
  expect(await timeline.getByTestId('errors-v2').locator('rect').count()).toBe(1);
  expect(await timeline.getByTestId('errors-v1').count()).toBe(0);
  expect(await drawn(timeline.getByTestId('hook-marker-PreTraffic'))).toEqual(['PreTraffic ✓ Succeeded']);
  expect(await drawn(timeline.getByTestId('alarm-marker'))).toEqual(['GetCompanyHttp5xxAlarm → ALARM']);
  expect(await drawn(timeline.getByTestId('first-failure-marker'))).toEqual(['First failure on the new version']);
  expect(await drawn(timeline.getByTestId('failure-kind-marker'))).toEqual(['First Runtime.ExitError']);
  expect(await text(section.getByTestId('failures-Runtime.ExitError'))).toMatch(/^Runtime\.ExitError\s+1\s+0$/);
  expect(await section.getByTestId('sighting').allTextContents()).toEqual(['1.4 s after the first shift: alarm GetCompanyHttp5xxAlarm', '1.4 s after the first shift: alarm GetCompanyHttp5xxAlarm went into ALARM']);

  const hook = section.getByTestId('hook-PreTraffic');
  expect(await text(hook)).toMatch(/^Succeeded\s+PreTraffic\s+at 0\.9 s/);
  const evidence = hook.getByTestId('hook-evidence');
  await expect(evidence.isVisible()).resolves.toBe(false);
  await hook.getByText('Evidence', { exact: true }).click();
  expect(await text(evidence)).toContain('"operation": "get"');

  const alarms = section.getByTestId('alarm-transition');
  expect(await alarms.count()).toBe(1);
  expect(await alarms.locator('td').allInnerTexts()).toEqual(['2.3 s', 'GetCompanyHttp5xxAlarm', 'ALARM', '1']);

  await screenshot(page, 'rolled-back');
});

it('shows a full deployment: Deployed, both shifts, both hooks, no rollback', async () => {
  const { page, requested } = await open(deployedReport(), 'deployed');
  expect(requested).toHaveLength(1);

  expect(await text(page.getByTestId('outcome'))).toBe('Deployed');
  const row = page.getByTestId('summary-UpdateCompanyFunction');
  expect(await text(row.getByTestId('summary-outcome'))).toBe('Succeeded');
  expect(await text(row.getByTestId('summary-requests'))).toBe('27');
  expect(await text(row.getByTestId('summary-failed'))).toBe('0');
  expect(await text(row.getByTestId('summary-canary-share'))).toBe('1 (0 failed)');
  expect(await text(row.getByTestId('summary-full-share'))).toBe('26 (0 failed)');
  expect(await text(row.getByTestId('summary-detected'))).toBe('after the deployment ended');
  expect(await text(row.getByTestId('summary-verdict-time'))).toBe('192.0 s');
  expect(await text(page.getByTestId('fact-time-scale'))).toContain('AWS seconds');
  expect(await text(page.getByTestId('fact-alarm-timing'))).toContain('CodeDeploy reading them every 60 s');

  const section = page.getByTestId('function-UpdateCompanyFunction');
  const timeline = section.getByTestId('timeline-UpdateCompanyFunction');
  expect(await page.getByTestId('rollback-marker').count()).toBe(0);
  expect(await section.getByTestId('reason').count()).toBe(0);
  expect(await drawn(timeline.getByTestId('weight-line'))).toEqual(['10%', '100%']);
  expect(await timeline.locator('[data-testid^="rate-v"]').count()).toBe(2);
  expect(await timeline.locator('[data-testid^="errors-v"]').count()).toBe(0);
  for (const hook of ['PreTraffic', 'PostTraffic']) {
    expect(await text(section.getByTestId(`hook-${hook}`))).toContain('Succeeded');
    await expect(timeline.getByTestId(`hook-marker-${hook}`).isVisible()).resolves.toBe(true);
  }
  // The axis is AWS seconds: the alarm, 4.5 s of the wall clock in, is drawn at 270 s.
  expect(await section.getByTestId('alarm-transition').locator('td').first().innerText()).toBe('270.0 s');
  expect(await drawn(timeline.getByTestId('alarm-marker'))).toEqual(['UpdateCompanyLatencyAlarm → ALARM']);

  await screenshot(page, 'deployed');
});

it('shows text from the report as text, never as markup', async () => {
  const report = rolledBackReport();
  const fn = report.functions[0]!;
  const reason = `PreTraffic hook reported Failed: <script>document.title = "pwned"</script><img src="x" onerror="document.title = 'pwned'">`;
  fn.reason = reason;
  fn.timeline = fn.timeline.map((event) => (event.kind === 'rollback' ? { ...event, reason } : event));
  fn.hooks[0]!.evidence = { cause: '</pre><script>document.title = "pwned"</script>' };
  const { page, requested } = await open(report, 'escaped');

  expect(requested).toHaveLength(1);
  expect(await page.locator('script, img').count()).toBe(0);
  expect(await page.title()).not.toContain('pwned');
  expect(await text(page.getByTestId('summary-GetCompanyFunction').getByTestId('summary-reason'))).toBe(reason);
  expect(await drawn(page.getByTestId('rollback-marker'))).toEqual([`Rollback: ${reason}`]);
  expect(await page.getByTestId('hook-evidence').textContent()).toContain('"cause": "</pre><script>document.title = \\"pwned\\"</script>"');
});
