import { BUCKET_MS, elapsed, type Clock } from '../clock';
import { ERROR_COLOUR, LINE_COLOUR } from '../colours';
import { esc } from '../html';
import { PLOT_CENTRE, type Chart } from './layout';
import { perSecond, type Bucket, type Series } from './series';

/** Where a bucket's point sits and its error bars are centred: the middle of its second. */
const bucketCentre = (bucket: Bucket, clock: Clock, chart: Chart) => chart.x(clock.seconds(bucket.at + BUCKET_MS / 2));
/** The start of a bucket's tooltip: which version, which second. */
const bucketTitle = (series: Series, bucket: Bucket, clock: Clock) =>
  `version ${esc(series.version)}, ${elapsed(clock, bucket.at)} to ${elapsed(clock, bucket.at + BUCKET_MS)}`;

/** One line per version through the middle of each bucket; the dots carry the exact numbers as tooltips. */
export function rateLayer(series: Series[], clock: Clock, chart: Chart): string {
  // An empty panel could pass for a drawing fault: say outright that no traffic was recorded.
  if (!series.length) return `<text x="${PLOT_CENTRE}" y="${(chart.rateTop + chart.rateBottom) / 2}" text-anchor="middle">No requests to this function were recorded.</text>`;
  return series
    .map((s) => {
      const points = s.points.map((p) => ({ ...p, x: bucketCentre(p, clock, chart), y: chart.yRate(perSecond(p.requests)) }));
      const dots = points.map((p) => `<circle cx="${p.x}" cy="${p.y}" r="2.5"><title>${bucketTitle(s, p, clock)}: ${p.requests} requests, ${p.errors} failed</title></circle>`).join('');
      return `<g data-testid="rate-v${esc(s.version)}" data-version="${esc(s.version)}" stroke="${LINE_COLOUR[s.role]}" fill="${LINE_COLOUR[s.role]}">
    <polyline points="${points.map((p) => `${p.x},${p.y}`).join(' ')}" fill="none" stroke-width="2"/>${dots}</g>`;
    })
    .join('\n  ');
}

/**
 * Errors as bars on the same scale as the requests, centred on their bucket like the rate lines' points, the
 * versions side by side.
 */
export function errorLayer(series: Series[], clock: Clock, chart: Chart): string {
  const group = (chart.x(BUCKET_MS / 1000) - chart.x(0)) * 0.6;
  const slot = group / Math.max(1, series.length);
  return series
    .map((s, i) => {
      const bars = s.points
        .filter((p) => p.errors > 0)
        .map((p) => {
          const y = chart.yRate(perSecond(p.errors));
          const x = bucketCentre(p, clock, chart) - group / 2 + i * slot;
          return `<rect x="${x + 1}" y="${y}" width="${Math.max(2, slot - 2)}" height="${chart.rateBottom - y}"><title>${bucketTitle(s, p, clock)}: ${p.errors} of ${p.requests} requests failed</title></rect>`;
        });
      return bars.length ? `<g data-testid="errors-v${esc(s.version)}" fill="${ERROR_COLOUR[s.role]}" fill-opacity="0.85">${bars.join('')}</g>` : '';
    })
    .join('\n  ');
}
