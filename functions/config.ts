/** Reads a setting the function's template must provide; a missing one fails loudly, naming itself. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set; define it in the function's template`);
  return value;
}

/** A whole number of at least 0 the template may set; the fallback when it does not. */
export function optionalCountEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value)) throw new Error(`Environment variable ${name} must be a whole number, not ${value}`);
  return Number(value);
}
