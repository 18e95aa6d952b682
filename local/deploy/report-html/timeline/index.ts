import type { FunctionReport } from '../../report';
import type { Clock } from '../clock';
import { COLOUR } from '../colours';
import { percent } from '../format';
import { esc } from '../html';
import { chartLayout, PLOT_CENTRE, PLOT_LEFT, PLOT_RIGHT, timeAxis, WEIGHT_TICKS, WIDTH, type Chart } from './layout';
import { eventMarkers, markerLayer, placeLabels } from './markers';
import { phaseLayer, weightLayer } from './panels';
import { errorLayer, rateLayer } from './rates';
import type { Series } from './series';

export { legend } from './legend';
export { rateSeries } from './series';

/**
 * One function's deployment as an SVG on the shared time axis: the phases along the top, the labelled event
 * markers, then the target's traffic weight and, below it, the requests and errors per second of each version.
 */
export function timelineSvg(fn: FunctionReport, series: Series[], clock: Clock): string {
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
    <text x="${PLOT_CENTRE}" y="${chart.rateBottom + 36}" text-anchor="middle">seconds since the deployment started</text>
  </g>`;
}
