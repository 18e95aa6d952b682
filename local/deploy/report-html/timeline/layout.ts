import type { Clock } from '../clock';
import { linear, niceTicks, type Scale } from './scale';
import { perSecond, type Series } from './series';

export const WIDTH = 960;
export const PLOT_LEFT = 64;
export const PLOT_RIGHT = WIDTH - 24;
export const PLOT_CENTRE = (PLOT_LEFT + PLOT_RIGHT) / 2;
/** The band of phases along the top. */
export const STRIP = { top: 6, height: 18 };
export const LABEL_ROW = 16;
export const LABELS_TOP = 44;
const WEIGHT_HEIGHT = 72;
export const WEIGHT_TICKS = [0, 0.1, 0.5, 1];
const RATE_HEIGHT = 170;
/** Average width of an 11px label character, to keep marker labels apart without measuring text. */
export const CHAR_WIDTH = 6.3;

/** Seconds since the start across the plot, up to the first round tick at or after the end. */
export interface TimeAxis {
  x: Scale;
  xTicks: number[];
}

/** Where everything sits: the marker labels need as many rows as their overlaps demand, the panels go below. */
export interface Chart extends TimeAxis {
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

export function timeAxis(clock: Clock): TimeAxis {
  const xTicks = niceTicks(clock.end, 10);
  return { x: linear([0, xTicks.at(-1)!], [PLOT_LEFT, PLOT_RIGHT]), xTicks };
}

export function chartLayout(axis: TimeAxis, series: Series[], labelRows: number): Chart {
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
    yRate: linear([0, rateTicks.at(-1)!], [rateBottom, rateTop]),
    rateTicks,
    height: rateBottom + 44,
  };
}
