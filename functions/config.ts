/** Reads a setting the function's template must provide; a missing one fails loudly, naming itself. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set; define it in the function's template`);
  return value;
}
