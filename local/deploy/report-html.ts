import type { AlarmTransition, DeploymentReport, FunctionReport, HookVerdict, TimelineEvent, TrafficSample } from './report';

/**
 * Renders a rehearsed deployment's report as one self-contained HTML page (report.html next to report.json):
 * inline CSS and SVG, no script and nothing fetched, so it opens the same from disk or as a CI artifact.
 * Every text from the report is escaped: reasons and hook evidence quote whatever the functions said.
 */
export function renderReportHtml(report: DeploymentReport): string {
  const clock = deploymentClock(report);
  const deployed = report.functions.filter((fn) => fn.outcome !== 'Unchanged' && fn.targetVersion !== undefined);
  const sections = deployed.length
    ? deployed.map((fn) => functionSection(fn, report.traffic, clock)).join('\n')
    : '<p class="muted">No function had a new version, so no traffic was shifted.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Deployment ${esc(report.id)}: ${esc(report.outcome)}</title>
<style>${STYLE}</style>
</head>
<body>
${header(report, clock)}
${summaryTable(report.functions)}
${sections}
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------- colours

const COLOUR = {
  good: '#15803d',
  bad: '#b91c1c',
  neutral: '#6b7280',
  weight: '#7c3aed',
  current: '#2563eb',
  target: '#ea580c',
  otherVersion: '#0f766e',
  currentErrors: '#7f1d1d',
  targetErrors: '#ef4444',
  grid: '#e5e7eb',
  axis: '#374151',
};

const OUTCOME_COLOUR: Record<DeploymentReport['outcome'] | FunctionReport['outcome'], string> = {
  Deployed: COLOUR.good,
  Succeeded: COLOUR.good,
  RolledBack: COLOUR.bad,
  NothingToDeploy: COLOUR.neutral,
  Unchanged: COLOUR.neutral,
};

const PHASE_LINE = '#9ca3af';
const PHASE_FILL: Record<PhaseEvent['phase'], string> = {
  PreTraffic: '#ede9fe',
  Shift: '#fef3c7',
  Bake: '#fef3c7',
  PostTraffic: '#dbeafe',
  Done: '#f3f4f6',
};

const STYLE = `
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #111827; margin: 0 auto; padding: 24px; max-width: 1040px; }
  h1 { font-size: 22px; margin: 0; }
  h2 { font-size: 18px; margin: 0; }
  h3 { font-size: 15px; margin: 18px 0 6px; }
  code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
  .banner { display: flex; justify-content: space-between; align-items: flex-start; gap: 24px; padding: 16px 20px; border-radius: 8px; border-left: 8px solid var(--outcome); background: #f9fafb; }
  .outcome { font-size: 26px; font-weight: 700; color: #fff; background: var(--outcome); padding: 6px 18px; border-radius: 6px; white-space: nowrap; }
  .facts { display: grid; grid-template-columns: max-content auto; gap: 2px 14px; margin: 10px 0 0; }
  .facts dt { color: #4b5563; }
  .facts dd { margin: 0; }
  table { border-collapse: collapse; width: 100%; margin: 8px 0; }
  th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
  th { font-weight: 600; color: #374151; background: #f9fafb; }
  td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
  .badge { display: inline-block; color: #fff; background: var(--badge); padding: 0 8px; border-radius: 4px; font-weight: 600; font-size: 12.5px; }
  .muted { color: #6b7280; }
  section.function { margin-top: 28px; padding-top: 16px; border-top: 2px solid #e5e7eb; }
  .function-title { display: flex; gap: 12px; align-items: baseline; flex-wrap: wrap; }
  .reason { margin: 10px 0; padding: 8px 12px; border-left: 4px solid ${COLOUR.bad}; background: #fef2f2; color: #7f1d1d; }
  svg.timeline { display: block; width: 100%; height: auto; margin-top: 10px; font-family: system-ui, "DejaVu Sans", sans-serif; }
  svg.timeline text { font-size: 11px; fill: ${COLOUR.axis}; }
  svg.timeline text.halo { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
  svg.timeline text.title { font-size: 12px; font-weight: 600; }
  .legend { display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 12.5px; color: #374151; margin: 4px 0 0 64px; }
  .legend span { display: inline-flex; align-items: center; gap: 6px; }
  .hook { margin: 6px 0; }
  details { margin: 4px 0 0 20px; }
  pre { background: #f3f4f6; padding: 8px 10px; border-radius: 4px; overflow-x: auto; margin: 4px 0; }
`;

// ---------------------------------------------------------------------------------------------- time

/** One bucket of `report.traffic` (see TrafficSample.at). */
const BUCKET_MS = 1_000;

/** Maps epoch-ms instants onto the axis all timelines share: seconds since the deployment started. */
interface Clock {
  /** Seconds from the start to the last thing the report saw, at least the finish. */
  end: number;
  seconds(at: number): number;
}

function deploymentClock(report: DeploymentReport): Clock {
  const start = Date.parse(report.startedAt);
  const instants = [
    Date.parse(report.finishedAt),
    ...report.traffic.map((sample) => sample.at + BUCKET_MS),
    ...report.functions.flatMap((fn) => [...fn.timeline, ...fn.hooks, ...fn.alarms].map((event) => event.at)),
  ];
  const last = instants.reduce((latest, at) => Math.max(latest, at), start + BUCKET_MS);
  return { end: (last - start) / 1000, seconds: (at) => (at - start) / 1000 };
}

const seconds = (value: number) => `${value.toFixed(1)} s`;
const percent = (weight: number) => `${Math.round(weight * 1000) / 10}%`;
const count = (value: number) => value.toLocaleString('en-US');
/** Instants in UTC, so the page reads the same wherever it was rendered or opened. */
const instant = (iso: string) => new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

// ---------------------------------------------------------------------------------------------- page parts

function header(report: DeploymentReport, clock: Clock): string {
  const facts: Array<[string, string]> = [
    ['Started', instant(report.startedAt)],
    ['Finished', `${instant(report.finishedAt)}, ${seconds(clock.seconds(Date.parse(report.finishedAt)))} after the start`],
    ['Time scale', `×${report.timeScale}: 1 s here stands for ${report.timeScale} s in AWS`],
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

function badge(text: string, colour: string, testId?: string): string {
  return `<span class="badge" style="--badge: ${colour}"${testId ? ` data-testid="${esc(testId)}"` : ''}>${esc(text)}</span>`;
}

function summaryTable(functions: FunctionReport[]): string {
  const rows = functions.map((fn) => {
    const name = fn.outcome === 'Unchanged' ? esc(fn.logicalId) : `<a href="#${esc(anchor(fn))}">${esc(fn.logicalId)}</a>`;
    const versions = fn.targetVersion === undefined ? `${esc(fn.currentVersion)} <span class="muted">(no new version)</span>` : `${esc(fn.currentVersion)} → ${esc(fn.targetVersion)}`;
    const verdictMs = fn.summary?.firstShiftToVerdictMs;
    return `<tr data-testid="summary-${esc(fn.logicalId)}">
  <td>${name}</td>
  <td data-testid="summary-versions">${versions}</td>
  <td>${badge(fn.outcome, OUTCOME_COLOUR[fn.outcome], 'summary-outcome')}</td>
  <td data-testid="summary-reason">${esc(fn.reason ?? '')}</td>
  <td class="number" data-testid="summary-requests">${fn.summary ? count(fn.summary.requestsServedByTarget) : '—'}</td>
  <td class="number" data-testid="summary-failed">${fn.summary ? count(fn.summary.failedRequestsServedByTarget) : '—'}</td>
  <td class="number" data-testid="summary-verdict-time">${verdictMs === undefined ? '—' : seconds(verdictMs / 1000)}</td>
</tr>`;
  });
  return `<h2 style="margin-top: 24px">Functions</h2>
<table data-testid="summary">
<thead><tr><th>Function</th><th>Version</th><th>Outcome</th><th>Reason</th><th class="number">Requests to new version</th><th class="number">Failed</th><th class="number">First shift → verdict</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

const anchor = (fn: FunctionReport) => `function-${fn.logicalId}`;

function functionSection(fn: FunctionReport, traffic: TrafficSample[], clock: Clock): string {
  const series = rateSeries(fn, traffic);
  return `<section class="function" id="${esc(anchor(fn))}" data-testid="function-${esc(fn.logicalId)}">
  <div class="function-title">
    <h2>${esc(fn.logicalId)}</h2>
    ${badge(fn.outcome, OUTCOME_COLOUR[fn.outcome])}
    <span>version ${esc(fn.currentVersion)} → ${esc(fn.targetVersion ?? '')}</span>
    ${fn.functionName === fn.logicalId ? '' : `<code class="muted">${esc(fn.functionName)}</code>`}
  </div>
  ${fn.reason ? `<div class="reason" data-testid="reason"><b>Rolled back:</b> ${esc(fn.reason)}</div>` : ''}
  ${timelineSvg(fn, series, clock)}
  ${legend(fn, series)}
  ${hookList(fn.hooks, clock)}
  ${alarmTable(fn.alarms, clock)}
</section>`;
}

function hookList(hooks: HookVerdict[], clock: Clock): string {
  if (!hooks.length) return '<h3>Hook verdicts</h3><p class="muted">No hook reported.</p>';
  const items = hooks.map(
    (hook) => `<div class="hook" data-testid="hook-${esc(hook.hook)}">
  ${badge(hook.status, hook.status === 'Succeeded' ? COLOUR.good : COLOUR.bad)} <b>${esc(hook.hook)}</b> <span class="muted">at ${seconds(clock.seconds(hook.at))}</span>
  <details><summary>Evidence</summary><pre data-testid="hook-evidence">${esc(JSON.stringify(hook.evidence, null, 2) ?? 'none')}</pre></details>
</div>`,
  );
  return `<h3>Hook verdicts</h3>\n${items.join('\n')}`;
}

function alarmTable(alarms: AlarmTransition[], clock: Clock): string {
  if (!alarms.length) return '<h3>Alarm transitions</h3><p class="muted" data-testid="no-alarm-transitions">No alarm changed state.</p>';
  // JSON turns a period without data (undefined) into null.
  const value = (v: number | null | undefined) => (v === undefined || v === null ? 'no data' : String(Math.round(v * 1000) / 1000));
  const rows = alarms.map(
    (alarm) => `<tr data-testid="alarm-transition">
  <td class="number">${seconds(clock.seconds(alarm.at))}</td>
  <td>${esc(alarm.alarm)}</td>
  <td>${badge(alarm.state, alarm.state === 'ALARM' ? COLOUR.bad : COLOUR.neutral)}</td>
  <td>${esc(alarm.values.map(value).join(', '))}</td>
</tr>`,
  );
  return `<h3>Alarm transitions <span class="muted">(alarms start OK)</span></h3>
<table>
<thead><tr><th class="number">Time</th><th>Alarm</th><th>State</th><th>Values (newest period first)</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

// ---------------------------------------------------------------------------------------------- traffic

interface Series {
  version: string;
  role: 'current' | 'target' | 'other';
  /** One point per bucket, zero where the version served nothing, so the line drops instead of skipping. */
  points: Array<{ at: number; requests: number; errors: number }>;
}

function rateSeries(fn: FunctionReport, traffic: TrafficSample[]): Series[] {
  const samples = traffic.filter((sample) => sample.functionName === fn.functionName);
  if (!samples.length) return [];
  const first = Math.min(...samples.map((s) => s.at));
  const last = Math.max(...samples.map((s) => s.at));
  const buckets: number[] = [];
  for (let at = first; at <= last; at += BUCKET_MS) buckets.push(at);
  const roleOf = (version: string): Series['role'] => (version === fn.currentVersion ? 'current' : version === fn.targetVersion ? 'target' : 'other');
  const order = { current: 0, target: 1, other: 2 };
  const versions = [...new Set(samples.map((s) => s.version))].sort((a, b) => order[roleOf(a)] - order[roleOf(b)] || a.localeCompare(b));
  return versions.map((version) => ({
    version,
    role: roleOf(version),
    points: buckets.map((at) => {
      const inBucket = samples.filter((s) => s.version === version && s.at === at);
      return { at, requests: sum(inBucket.map((s) => s.requests)), errors: sum(inBucket.map((s) => s.errors)) };
    }),
  }));
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const perSecond = (inBucket: number) => inBucket / (BUCKET_MS / 1000);

const LINE_COLOUR: Record<Series['role'], string> = { current: COLOUR.current, target: COLOUR.target, other: COLOUR.otherVersion };
const ERROR_COLOUR: Record<Series['role'], string> = { current: COLOUR.currentErrors, target: COLOUR.targetErrors, other: COLOUR.currentErrors };

// ---------------------------------------------------------------------------------------------- timeline chart

type Scale = (value: number) => number;

/** To tenths of a pixel: finer is invisible and only bloats the page. */
function linear([d0, d1]: [number, number], [r0, r1]: [number, number]): Scale {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (value) => Math.round((r0 + (value - d0) * k) * 10) / 10;
}

/** Round ticks (1, 2 or 5 × 10ⁿ apart) from 0 to at least `max`, about `target` of them. */
function niceTicks(max: number, target: number): number[] {
  const raw = Math.max(max, 1e-9) / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let i = 0; ticks.length === 0 || ticks[ticks.length - 1]! < max; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

const WIDTH = 960;
const PLOT_LEFT = 64;
const PLOT_RIGHT = WIDTH - 24;
const STRIP = { top: 6, height: 18 };
const LABEL_ROW = 16;
const LABELS_TOP = 44;
const WEIGHT_HEIGHT = 72;
const WEIGHT_TICKS = [0, 0.1, 0.5, 1];
const RATE_HEIGHT = 170;
/** Average width of an 11px label character, to keep marker labels apart without measuring text. */
const CHAR_WIDTH = 6.3;

/** Where everything sits: the marker labels need as many rows as their overlaps demand, the panels go below. */
interface Chart extends TimeAxis {
  labelRows: number;
  weightTop: number;
  weightBottom: number;
  yWeight: Scale;
  rateTop: number;
  rateBottom: number;
  yRate: Scale;
  rateTicks: number[];
  height: number;
}

/** Seconds since the start across the plot, up to the first round tick at or after the end. */
interface TimeAxis {
  x: Scale;
  xTicks: number[];
}

function timeAxis(clock: Clock): TimeAxis {
  const xTicks = niceTicks(clock.end, 10);
  return { x: linear([0, xTicks[xTicks.length - 1]!], [PLOT_LEFT, PLOT_RIGHT]), xTicks };
}

function chartLayout(axis: TimeAxis, series: Series[], labelRows: number): Chart {
  const weightTop = LABELS_TOP + labelRows * LABEL_ROW + 22;
  const weightBottom = weightTop + WEIGHT_HEIGHT;
  const rateTop = weightBottom + 30;
  const rateBottom = rateTop + RATE_HEIGHT;
  const peak = Math.max(1, ...series.flatMap((s) => s.points.map((p) => perSecond(p.requests))));
  const rateTicks = niceTicks(peak, 4);
  const weightHeight = linear([0, 1], [weightBottom, weightTop]);
  return {
    ...axis,
    labelRows,
    weightTop,
    weightBottom,
    // Square root, so that a canary's few percent stand clear of zero; the ticks say what the heights mean.
    yWeight: (weight) => weightHeight(Math.sqrt(weight)),
    rateTop,
    rateBottom,
    yRate: linear([0, rateTicks[rateTicks.length - 1]!], [rateBottom, rateTop]),
    rateTicks,
    height: rateBottom + 44,
  };
}

function timelineSvg(fn: FunctionReport, series: Series[], clock: Clock): string {
  const markers = eventMarkers(fn, clock);
  const axis = timeAxis(clock);
  const placed = placeLabels(markers, axis.x);
  const chart = chartLayout(axis, series, Math.max(1, ...placed.map((m) => m.row + 1)));
  const target = fn.targetVersion ?? '';
  return `<svg class="timeline" data-testid="timeline-${esc(fn.logicalId)}" viewBox="0 0 ${WIDTH} ${chart.height}" role="img" aria-label="Timeline of ${esc(fn.logicalId)}">
  <title>Timeline of ${esc(fn.logicalId)}: traffic weight, requests per second and events, in seconds since the deployment started</title>
  ${gridLayer(chart)}
  ${phaseLayer(fn, clock, chart)}
  <text class="title halo" x="${PLOT_LEFT}" y="${chart.weightTop - 8}">Traffic weight of version ${esc(target)}</text>
  ${weightLayer(fn, clock, chart)}
  <text class="title halo" x="${PLOT_LEFT}" y="${chart.rateTop - 8}">Requests per second by version (bars: errors per second)</text>
  ${errorLayer(series, clock, chart)}
  ${rateLayer(series, clock, chart)}
  ${markerLayer(placed, chart)}
  ${axesLayer(chart)}
</svg>`;
}

function gridLayer(chart: Chart): string {
  const vertical = chart.xTicks.map((t) => `M${chart.x(t)} ${chart.weightTop}V${chart.weightBottom}M${chart.x(t)} ${chart.rateTop}V${chart.rateBottom}`).join('');
  const horizontal = [
    ...WEIGHT_TICKS.map((w) => `M${PLOT_LEFT} ${chart.yWeight(w)}H${PLOT_RIGHT}`),
    ...chart.rateTicks.map((r) => `M${PLOT_LEFT} ${chart.yRate(r)}H${PLOT_RIGHT}`),
  ].join('');
  return `<path d="${vertical}${horizontal}" stroke="${COLOUR.grid}" fill="none"/>`;
}

function axesLayer(chart: Chart): string {
  const xTicks = chart.xTicks
    .map((t) => `<g data-testid="x-tick"><path d="M${chart.x(t)} ${chart.rateBottom}v5" stroke="${COLOUR.axis}"/><text x="${chart.x(t)}" y="${chart.rateBottom + 17}" text-anchor="middle">${t}</text></g>`)
    .join('');
  const yLabel = (y: number, text: string) => `<text x="${PLOT_LEFT - 6}" y="${y + 4}" text-anchor="end">${text}</text>`;
  return `<g>
    <path d="M${PLOT_LEFT} ${chart.weightTop}V${chart.weightBottom}H${PLOT_RIGHT}M${PLOT_LEFT} ${chart.rateTop}V${chart.rateBottom}H${PLOT_RIGHT}" stroke="${COLOUR.axis}" fill="none"/>
    ${xTicks}
    ${WEIGHT_TICKS.map((w) => yLabel(chart.yWeight(w), percent(w))).join('')}
    ${chart.rateTicks.map((r) => yLabel(chart.yRate(r), String(r))).join('')}
    <text x="${(PLOT_LEFT + PLOT_RIGHT) / 2}" y="${chart.rateBottom + 36}" text-anchor="middle">seconds since the deployment started</text>
  </g>`;
}

type PhaseEvent = Extract<TimelineEvent, { kind: 'phase' }>;

function eventsOf<K extends TimelineEvent['kind']>(fn: FunctionReport, kind: K): Array<Extract<TimelineEvent, { kind: K }>> {
  return fn.timeline.filter((event): event is Extract<TimelineEvent, { kind: K }> => event.kind === kind);
}

/** A band per phase along the top (named where it is wide enough), and a dashed line where each one starts. */
function phaseLayer(fn: FunctionReport, clock: Clock, chart: Chart): string {
  const phases = eventsOf(fn, 'phase');
  return phases
    .map((phase, i) => {
      const from = clock.seconds(phase.at);
      const to = i + 1 < phases.length ? clock.seconds(phases[i + 1]!.at) : clock.end;
      const [x0, x1] = [chart.x(from), chart.x(to)];
      const name = x1 - x0 > phase.phase.length * CHAR_WIDTH + 6 ? `<text x="${(x0 + x1) / 2}" y="${STRIP.top + 13}" text-anchor="middle">${esc(phase.phase)}</text>` : '';
      return `<g data-testid="phase-marker"><title>${esc(phase.phase)} from ${seconds(from)}</title>
    <rect x="${x0}" y="${STRIP.top}" width="${Math.max(0, x1 - x0)}" height="${STRIP.height}" fill="${PHASE_FILL[phase.phase]}"/>${name}
    <path d="M${x0} ${STRIP.top}V${chart.rateBottom}" stroke="${PHASE_LINE}" stroke-dasharray="3 3"/></g>`;
    })
    .join('\n  ');
}

/** The target's weight as a step line: 0 until the first shift, then each weight until the next change or the finish. */
function weightLayer(fn: FunctionReport, clock: Clock, chart: Chart): string {
  const changes = eventsOf(fn, 'weight').map((event) => ({ x: chart.x(clock.seconds(event.at)), weight: event.targetWeight }));
  const line = `M${chart.x(0)} ${chart.yWeight(0)}${changes.map((c) => `H${c.x}V${chart.yWeight(c.weight)}`).join('')}H${chart.x(clock.end)}`;
  // Labels above low weights, below high ones, so they stay inside the panel.
  const labels = changes.map((c) => {
    const y = c.weight > 0.5 ? chart.yWeight(c.weight) + 13 : chart.yWeight(c.weight) - 4;
    return `<text class="halo" x="${c.x + 4}" y="${y}" style="fill: ${COLOUR.weight}; font-weight: 600">${percent(c.weight)}</text>`;
  });
  return `<g data-testid="weight-line">
    <path d="${line}V${chart.yWeight(0)}Z" fill="${COLOUR.weight}" fill-opacity="0.12" stroke="none"/>
    <path d="${line}" fill="none" stroke="${COLOUR.weight}" stroke-width="2.5"/>
    ${labels.join('')}
  </g>`;
}

/** One line per version through the middle of each bucket; the dots carry the exact numbers as tooltips. */
function rateLayer(series: Series[], clock: Clock, chart: Chart): string {
  // An empty panel could pass for a drawing fault: say outright that no traffic was recorded.
  if (!series.length) return `<text x="${(PLOT_LEFT + PLOT_RIGHT) / 2}" y="${(chart.rateTop + chart.rateBottom) / 2}" text-anchor="middle">No requests to this function were recorded.</text>`;
  return series
    .map((s) => {
      const points = s.points.map((p) => ({ ...p, x: chart.x(clock.seconds(p.at + BUCKET_MS / 2)), y: chart.yRate(perSecond(p.requests)) }));
      const dots = points
        .map((p) => `<circle cx="${p.x}" cy="${p.y}" r="2.5"><title>version ${esc(s.version)}, ${seconds(clock.seconds(p.at))} to ${seconds(clock.seconds(p.at + BUCKET_MS))}: ${p.requests} requests, ${p.errors} failed</title></circle>`)
        .join('');
      return `<g data-testid="rate-v${esc(s.version)}" data-version="${esc(s.version)}" stroke="${LINE_COLOUR[s.role]}" fill="${LINE_COLOUR[s.role]}">
    <polyline points="${points.map((p) => `${p.x},${p.y}`).join(' ')}" fill="none" stroke-width="2"/>${dots}</g>`;
    })
    .join('\n  ');
}

/**
 * Errors as bars on the same scale as the requests, centred on their bucket like the rate lines' points, the
 * versions side by side.
 */
function errorLayer(series: Series[], clock: Clock, chart: Chart): string {
  const group = (chart.x(BUCKET_MS / 1000) - chart.x(0)) * 0.6;
  const slot = group / Math.max(1, series.length);
  return series
    .map((s, i) => {
      const bars = s.points
        .filter((p) => p.errors > 0)
        .map((p) => {
          const y = chart.yRate(perSecond(p.errors));
          const x = chart.x(clock.seconds(p.at + BUCKET_MS / 2)) - group / 2 + i * slot;
          return `<rect x="${x + 1}" y="${y}" width="${Math.max(2, slot - 2)}" height="${chart.rateBottom - y}"><title>version ${esc(s.version)}, ${seconds(clock.seconds(p.at))} to ${seconds(clock.seconds(p.at + BUCKET_MS))}: ${p.errors} of ${p.requests} requests failed</title></rect>`;
        });
      return bars.length ? `<g data-testid="errors-v${esc(s.version)}" fill="${ERROR_COLOUR[s.role]}" fill-opacity="0.85">${bars.join('')}</g>` : '';
    })
    .join('\n  ');
}

interface Marker {
  seconds: number;
  label: string;
  colour: string;
  testId: string;
  /** The rollback stands out: it is what the reader looks for first. */
  strong?: boolean;
}

function eventMarkers(fn: FunctionReport, clock: Clock): Marker[] {
  const markers: Marker[] = [
    ...fn.hooks.map((hook) => ({
      seconds: clock.seconds(hook.at),
      label: `${hook.hook} ${hook.status === 'Succeeded' ? '✓' : '✗'} ${hook.status}`,
      colour: hook.status === 'Succeeded' ? COLOUR.good : COLOUR.bad,
      testId: `hook-marker-${hook.hook}`,
    })),
    ...fn.alarms.map((alarm) => ({
      seconds: clock.seconds(alarm.at),
      label: `${alarm.alarm} → ${alarm.state}`,
      colour: alarm.state === 'ALARM' ? COLOUR.bad : COLOUR.neutral,
      testId: 'alarm-marker',
    })),
    ...eventsOf(fn, 'rollback').map((rollback) => ({
      seconds: clock.seconds(rollback.at),
      label: `Rollback: ${rollback.reason}`,
      colour: COLOUR.bad,
      testId: 'rollback-marker',
      strong: true,
    })),
  ];
  return markers.sort((a, b) => a.seconds - b.seconds);
}

interface PlacedMarker extends Marker {
  row: number;
  anchor: 'start' | 'end';
}

/**
 * Puts each label on the first row where it overlaps no other label, so events moments apart (an alarm and
 * the rollback it causes) stay readable. Labels that would run off the right edge end at their line instead.
 */
function placeLabels(markers: Marker[], x: Scale): PlacedMarker[] {
  const rows: Array<Array<[number, number]>> = [];
  return markers.map((marker) => {
    const width = marker.label.length * CHAR_WIDTH;
    const at = x(marker.seconds);
    const anchor = at + 4 + width > PLOT_RIGHT ? 'end' : 'start';
    const extent: [number, number] = anchor === 'start' ? [at + 4, at + 4 + width] : [at - 4 - width, at - 4];
    let row = rows.findIndex((taken) => taken.every(([from, to]) => extent[1] + 8 < from || extent[0] - 8 > to));
    if (row < 0) row = rows.push([]) - 1;
    rows[row]!.push(extent);
    return { ...marker, row, anchor };
  });
}

function markerLayer(markers: PlacedMarker[], chart: Chart): string {
  return markers
    .map((marker) => {
      const x = chart.x(marker.seconds);
      const y = LABELS_TOP + marker.row * LABEL_ROW;
      const labelX = marker.anchor === 'start' ? x + 4 : x - 4;
      return `<g data-testid="${esc(marker.testId)}"><title>${esc(marker.label)} at ${seconds(marker.seconds)}</title>
    <path d="M${x} ${y - 11}V${chart.rateBottom}" stroke="${marker.colour}" stroke-width="${marker.strong ? 2.5 : 1.5}"/>
    <text class="halo" x="${labelX}" y="${y}" text-anchor="${marker.anchor}" style="fill: ${marker.colour}; font-weight: ${marker.strong ? 700 : 500}">${esc(marker.label)}</text></g>`;
    })
    .join('\n  ');
}

function legend(fn: FunctionReport, series: Series[]): string {
  const line = (colour: string, width = 2.5, dash?: string) =>
    `<svg width="22" height="10" aria-hidden="true"><path d="M1 5H21" stroke="${colour}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''}/></svg>`;
  const bar = (colour: string) => `<svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill="${colour}"/></svg>`;
  const entries = [
    `${line(COLOUR.weight)} weight of version ${esc(fn.targetVersion ?? '')}`,
    ...series.map((s) => `${line(LINE_COLOUR[s.role])} requests/s, version ${esc(s.version)}${s.role === 'other' ? '' : ` (${s.role})`}`),
    ...series.map((s) => `${bar(ERROR_COLOUR[s.role])} errors/s, version ${esc(s.version)}`),
    `${line(PHASE_LINE, 1.5, '3 3')} phase change`,
    `${line(COLOUR.good, 1.5)}${line(COLOUR.bad, 1.5)} hook verdict (succeeded / failed)`,
    `${line(COLOUR.bad, 1.5)}${line(COLOUR.neutral, 1.5)} alarm to ALARM / to OK`,
    `${line(COLOUR.bad, 3)} rollback`,
  ];
  return `<div class="legend" data-testid="legend-${esc(fn.logicalId)}">${entries.map((entry) => `<span>${entry}</span>`).join('')}</div>`;
}

// ---------------------------------------------------------------------------------------------- escaping

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** For text and double-quoted attribute values alike. */
function esc(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}
