import type { FunctionReport } from '../../report';
import type { Clock } from '../clock';
import { alarmColour, COLOUR, hookColour } from '../colours';
import { seconds } from '../format';
import { esc } from '../html';
import { eventsOf } from './events';
import { CHAR_WIDTH, LABEL_ROW, LABELS_TOP, PLOT_RIGHT, type Chart } from './layout';
import type { Scale } from './scale';

/** A labelled vertical line for something that happened at one moment: a hook verdict, an alarm, the rollback. */
interface Marker {
  seconds: number;
  label: string;
  colour: string;
  testId: string;
  /** The rollback stands out: it is what the reader looks for first. */
  strong?: boolean;
}

export interface PlacedMarker extends Marker {
  row: number;
  anchor: 'start' | 'end';
}

export function eventMarkers(fn: FunctionReport, clock: Clock): Marker[] {
  const markers: Marker[] = [
    ...fn.hooks.map((hook) => ({
      seconds: clock.seconds(hook.at),
      label: `${hook.hook} ${hook.status === 'Succeeded' ? '✓' : '✗'} ${hook.status}`,
      colour: hookColour(hook),
      testId: `hook-marker-${hook.hook}`,
    })),
    ...fn.alarms.map((alarm) => ({
      seconds: clock.seconds(alarm.at),
      label: `${alarm.alarm} → ${alarm.state}`,
      colour: alarmColour(alarm),
      testId: 'alarm-marker',
    })),
    ...eventsOf(fn, 'first-failure').map((failure) => ({
      seconds: clock.seconds(failure.at),
      label: 'First failure on the new version',
      colour: COLOUR.bad,
      testId: 'first-failure-marker',
    })),
    ...eventsOf(fn, 'failure-kind').map((failure) => ({
      seconds: clock.seconds(failure.at),
      label: `First ${failure.errorType}`,
      colour: COLOUR.bad,
      testId: 'failure-kind-marker',
    })),
    ...eventsOf(fn, 'alarm-seen').map((seen) => ({
      seconds: clock.seconds(seen.at),
      label: `CodeDeploy sees ${seen.alarm}`,
      colour: COLOUR.bad,
      testId: 'alarm-seen-marker',
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

/**
 * Puts each label on the first row where it overlaps no other label, so events moments apart (an alarm and
 * the rollback it causes) stay readable. Labels that would run off the right edge end at their line instead.
 */
export function placeLabels(markers: Marker[], x: Scale): PlacedMarker[] {
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

export function markerLayer(markers: PlacedMarker[], chart: Chart): string {
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
