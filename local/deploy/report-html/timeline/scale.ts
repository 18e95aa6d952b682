/** Maps a value onto pixels. */
export type Scale = (value: number) => number;

/** To tenths of a pixel: finer is invisible and only bloats the page. */
export function linear([d0, d1]: [number, number], [r0, r1]: [number, number]): Scale {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (value) => Math.round((r0 + (value - d0) * k) * 10) / 10;
}

/** Round ticks (1, 2 or 5 × 10ⁿ apart) from 0 to at least `max`, about `target` of them. */
export function niceTicks(max: number, target: number): number[] {
  const raw = Math.max(max, 1e-9) / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let i = 0; ticks.length === 0 || ticks.at(-1)! < max; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}
