import { COLOUR } from './colours';

export const STYLE = `
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
