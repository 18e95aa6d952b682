import type { DeploymentReport, DeploymentSummary, FunctionReport, ServedCount, TrafficSample } from '../report';
import { elapsed, type Clock } from './clock';
import { OUTCOME_COLOUR } from './colours';
import { alarmTable, hookList } from './evidence';
import { count, instant, seconds } from './format';
import { badge, esc, table } from './html';
import { legend, rateSeries, timelineSvg } from './timeline';

/** The deployment's banner: its id, outcome, and when, how fast and under how much traffic it ran. */
export function header(report: DeploymentReport, clock: Clock): string {
  const facts: Array<[string, string]> = [
    ['Started', instant(report.startedAt)],
    ['Finished', `${instant(report.finishedAt)}, ${elapsed(clock, Date.parse(report.finishedAt))} after the start`],
    ['Time scale', `×${report.timeScale}: the rehearsal ran ${report.timeScale} times faster; every time here is in AWS seconds`],
    ['Alarm timing', alarmTimingFact(report)],
    ['Traffic', `${count(report.trafficRps)} requests/s through the API`],
  ];
  return `<header class="banner" style="--outcome: ${OUTCOME_COLOUR[report.outcome]}">
  <div>
    <h1>Deployment <code data-testid="deployment-id">${esc(report.id)}</code></h1>
    <div class="muted">Canary deployment rehearsed on the local stage</div>
    <dl class="facts">${facts.map(([term, value]) => `<dt>${esc(term)}</dt><dd data-testid="fact-${esc(term.toLowerCase().replace(' ', '-'))}">${esc(value)}</dd>`).join('')}</dl>
  </div>
  <div class="outcome" data-testid="outcome">${esc(report.outcome)}</div>
</header>`;
}

function alarmTimingFact({ alarmTiming: t }: DeploymentReport): string {
  if (t.mode === 'instant') return 'instant: alarms evaluated every 100 ms on data recorded as invocations end, a rollback at the first ALARM';
  return (
    `AWS: Lambda metrics ${t.lambdaMetricDelaySeconds} s and EMF metrics ${t.emfMetricDelaySeconds} s late, Lambda's own records delivered by ` +
    `log subscription ${t.logSubscriptionDelaySeconds} s and published ${t.putMetricDataDelaySeconds} s later, alarms evaluated each minute ` +
    `(high-resolution each 10 s), CodeDeploy reading them every ${t.alarmPollSeconds} s`
  );
}

const DETECTED: Record<DeploymentSummary['detected'], string> = {
  'before-full-shift': 'on its canary share',
  'after-full-shift': 'after the shift to 100 %',
  'after-deployment-ended': 'after the deployment ended',
  'not-detected': 'never',
};
const served = (count: ServedCount) => `${count.requests} (${count.failed} failed)`;

const anchor = (fn: FunctionReport) => `function-${fn.logicalId}`;
const versionChange = (fn: FunctionReport) => `${esc(fn.currentVersion)} → ${esc(fn.targetVersion ?? '')}`;
const outcomeBadge = (fn: FunctionReport, testId?: string) => badge(fn.outcome, OUTCOME_COLOUR[fn.outcome], testId);

/** One row per function, the unchanged ones included; the others link to their section. */
export function summaryTable(functions: FunctionReport[]): string {
  const rows = functions.map((fn) => {
    const name = fn.outcome === 'Unchanged' ? esc(fn.logicalId) : `<a href="#${esc(anchor(fn))}">${esc(fn.logicalId)}</a>`;
    const versions = fn.targetVersion === undefined ? `${esc(fn.currentVersion)} <span class="muted">(no new version)</span>` : versionChange(fn);
    const verdictMs = fn.summary?.firstShiftToVerdictMs;
    return `<tr data-testid="summary-${esc(fn.logicalId)}">
  <td>${name}</td>
  <td data-testid="summary-versions">${versions}</td>
  <td>${outcomeBadge(fn, 'summary-outcome')}</td>
  <td data-testid="summary-reason">${esc(fn.reason ?? '')}</td>
  <td class="number" data-testid="summary-requests">${fn.summary ? count(fn.summary.requestsServedByTarget) : '—'}</td>
  <td class="number" data-testid="summary-failed">${fn.summary ? count(fn.summary.failedRequestsServedByTarget) : '—'}</td>
  <td class="number" data-testid="summary-canary-share">${fn.summary ? served(fn.summary.canaryShare) : '—'}</td>
  <td class="number" data-testid="summary-full-share">${fn.summary ? served(fn.summary.fullShare) : '—'}</td>
  <td data-testid="summary-detected">${fn.summary ? DETECTED[fn.summary.detected] : '—'}</td>
  <td class="number" data-testid="summary-verdict-time">${verdictMs === undefined ? '—' : seconds(verdictMs / 1000)}</td>
</tr>`;
  });
  const columns = [
    { title: 'Function' },
    { title: 'Version' },
    { title: 'Outcome' },
    { title: 'Reason' },
    { title: 'Requests to new version', number: true },
    { title: 'Failed', number: true },
    { title: 'On its canary share', number: true },
    { title: 'With all traffic', number: true },
    { title: 'Trouble seen' },
    { title: 'First shift → verdict', number: true },
  ];
  return `<h2 style="margin-top: 24px">Functions</h2>
${table(columns, rows, 'summary')}`;
}

/** The new version's failed invocations by Lambda's error type, and everything that saw trouble, in order. */
function trouble({ summary }: FunctionReport): string {
  if (!summary) return '';
  const failures = Object.entries(summary.failuresByType);
  const rows = failures.map(
    ([type, n]) => `<tr data-testid="failures-${esc(type)}"><td><code>${esc(type)}</code></td><td class="number">${count(n.canaryShare)}</td><td class="number">${count(n.fullShare)}</td></tr>`,
  );
  const failureTable = failures.length === 0 ? '' : table([{ title: "Failed invocations, by Lambda's error type" }, { title: 'On its canary share', number: true }, { title: 'With all traffic', number: true }], rows, 'failures');
  const sightings = summary.sightings.map(
    ({ by, afterMs }) => `<li data-testid="sighting">${afterMs === undefined ? '' : `<b>${seconds(afterMs / 1000)}</b> after the first shift: `}${esc(by)}</li>`,
  );
  return `<div class="trouble">${failureTable}${sightings.length === 0 ? '<p class="muted" data-testid="no-sighting">Nothing saw trouble.</p>' : `<h3>What saw trouble</h3><ol data-testid="sightings">${sightings.join('')}</ol>`}</div>`;
}

/** A function that got a new version: why it was rolled back if it was, its timeline, hook verdicts and alarms. */
export function functionSection(fn: FunctionReport, traffic: TrafficSample[], clock: Clock): string {
  const series = rateSeries(fn, traffic);
  return `<section class="function" id="${esc(anchor(fn))}" data-testid="function-${esc(fn.logicalId)}">
  <div class="function-title">
    <h2>${esc(fn.logicalId)}</h2>
    ${outcomeBadge(fn)}
    <span>version ${versionChange(fn)}</span>
    ${fn.functionName === fn.logicalId ? '' : `<code class="muted">${esc(fn.functionName)}</code>`}
  </div>
  ${fn.reason ? `<div class="reason" data-testid="reason"><b>Rolled back:</b> ${esc(fn.reason)}</div>` : ''}
  ${timelineSvg(fn, series, clock)}
  ${legend(fn, series)}
  ${trouble(fn)}
  ${hookList(fn.hooks, clock)}
  ${alarmTable(fn.alarms, clock)}
</section>`;
}
