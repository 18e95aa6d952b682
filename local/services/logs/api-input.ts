import { ServiceError } from '../aws-json-protocol';

/**
 * Reading a CloudWatch Logs request's parameters as the service does, and its page tokens. A parameter the
 * local service does not implement is refused by name rather than ignored, so an answer never silently means
 * something else than AWS's would.
 */

export type Input = Record<string, unknown>;

export const invalidParameter = (message: string) => new ServiceError('InvalidParameterException', message);

export function refuseUnsupported(input: Input, names: string[]): void {
  for (const name of names) {
    const value = input[name];
    if (value !== undefined && value !== false && value !== null) throw invalidParameter(`${name} is not supported by the local CloudWatch Logs`);
  }
}

export function stringParameter(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') throw invalidParameter(`${name} must be a non-empty string`);
  return value;
}

/** A string that may be empty, as a pattern may. */
export function patternParameter(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`${name} must be a string`);
  return value;
}

export function requiredString(input: Input, name: string): string {
  const value = stringParameter(input, name);
  if (value === undefined) throw invalidParameter(`${name} is required`);
  return value;
}

export function integerParameter(input: Input, name: string, min: number, max: number): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalidParameter(`${name} must be a whole number from ${min} to ${max}`);
  return value;
}

export function booleanParameter(input: Input, name: string): boolean | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalidParameter(`${name} must be true or false`);
  return value;
}

export function stringListParameter(input: Input, name: string, min: number, max: number): string[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length < min || value.length > max || !value.every((item) => typeof item === 'string' && item !== '')) {
    throw invalidParameter(`${name} must be a list of ${min} to ${max} names`);
  }
  return value as string[];
}

/** What a list is sorted by; a page token holds the key of the last item its page returned. */
export type SortKey = Array<string | number>;

function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function decodeToken(token: string): SortKey {
  try {
    const key: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length > 0 && key.every((part) => typeof part === 'string' || typeof part === 'number')) return key;
  } catch {
    // Not a token this service issued: answered below.
  }
  throw invalidParameter('The specified nextToken is invalid.');
}

/**
 * One page of a list ordered by `keyOf`, from after the token's item. A token holds a position, not an
 * offset, so items added or removed between pages neither repeat nor get skipped.
 */
export function pageOf<T>(items: T[], keyOf: (item: T) => SortKey, options: { descending?: boolean; limit: number; nextToken?: string }) {
  const direction = options.descending ? -1 : 1;
  const sorted = [...items].sort((a, b) => direction * compareKeys(keyOf(a), keyOf(b)));
  const after = options.nextToken === undefined ? undefined : decodeToken(options.nextToken);
  if (after && sorted.some((item) => keyOf(item).length !== after.length)) throw invalidParameter('The specified nextToken is invalid.');
  const rest = after === undefined ? sorted : sorted.filter((item) => direction * compareKeys(keyOf(item), after) > 0);
  const page = rest.slice(0, options.limit);
  const last = page.at(-1);
  return { page, nextToken: rest.length > page.length && last !== undefined ? Buffer.from(JSON.stringify(keyOf(last))).toString('base64url') : undefined };
}
