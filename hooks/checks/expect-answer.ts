import { isDeepStrictEqual } from 'node:util';
import type { ProbeResponse } from './target-probe';
import * as schemas from './response-validators.generated';

/** One check's outcome, kept as evidence in the hook's log line. */
export interface CheckResult {
  check: string;
  passed: boolean;
  problems: string[];
}

type SchemaName = keyof typeof schemas;

/**
 * Judges one answer: the status, the body against the contract's response schema, and any further
 * expectations; every mismatch is listed, so the log says exactly what a new version got wrong.
 */
export function expectAnswer(
  check: string,
  response: ProbeResponse,
  status: number,
  schema: SchemaName | undefined,
  more: (body: any) => Array<string | false> = () => [], // eslint-disable-line @typescript-eslint/no-explicit-any
): CheckResult {
  const problems: string[] = [];
  if (response.functionError) problems.push(`function error ${response.functionError}: ${JSON.stringify(response.body).slice(0, 300)}`);
  else {
    if (response.statusCode !== status) problems.push(`status ${response.statusCode}, expected ${status}`);
    const validate = schema && schemas[schema];
    if (validate && !validate(response.body)) {
      problems.push(`body is not a ${schema}: ${(validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
    }
    if (problems.length === 0) problems.push(...more(response.body).filter((p): p is string => typeof p === 'string'));
  }
  return { check, passed: problems.length === 0, problems };
}

/** `problem` when `actual` differs from `expected`, else false. */
export const mismatch = (what: string, actual: unknown, expected: unknown) =>
  !isDeepStrictEqual(actual, expected) && `${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;
