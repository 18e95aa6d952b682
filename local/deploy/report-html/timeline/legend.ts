import type { FunctionReport } from '../../report';
import { COLOUR, ERROR_COLOUR, LINE_COLOUR, PHASE_LINE } from '../colours';
import { esc } from '../html';
import type { Series } from './series';

/** What the timeline's lines, bars and markers mean, in their colours, under the chart. */
export function legend(fn: FunctionReport, series: Series[]): string {
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
