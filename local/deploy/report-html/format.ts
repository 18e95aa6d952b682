/** How the page writes durations, weights, counts and instants. */

export const seconds = (value: number) => `${value.toFixed(1)} s`;
export const percent = (weight: number) => `${Math.round(weight * 1000) / 10}%`;
export const count = (value: number) => value.toLocaleString('en-US');
/** Instants in UTC, so the page reads the same wherever it was rendered or opened. */
export const instant = (iso: string) => new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
