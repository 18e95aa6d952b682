import type { FunctionReport } from '../../report';
import type { Clock } from '../clock';
import { COLOUR, PHASE_FILL, PHASE_LINE } from '../colours';
import { percent, seconds } from '../format';
import { esc } from '../html';
import { eventsOf } from './events';
import { CHAR_WIDTH, STRIP, type Chart } from './layout';

/** A band per phase along the top (named where it is wide enough), and a dashed line where each one starts. */
export function phaseLayer(fn: FunctionReport, clock: Clock, chart: Chart): string {
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
export function weightLayer(fn: FunctionReport, clock: Clock, chart: Chart): string {
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
