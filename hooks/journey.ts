/**
 * What the PostTraffic hook and the journey state machine (statemachine/company-journey.asl.json) agree
 * on: how many passes an execution runs, and how a failed execution names its failure.
 */

/** A version failing this share of its requests must fail the journey… */
export const FAILURE_SHARE_TO_CATCH = 0.2;
/** …with at least this probability. */
export const CONFIDENCE = 0.99;

/**
 * The passes that call a function often enough: each pass calls every Company function at least once, and a
 * function failing `share` of its calls gets through n calls unseen with probability (1 − share)^n, which
 * must not exceed 1 − `confidence`.
 */
export function passesToCatch(share: number, confidence: number): number {
  return Math.ceil(Math.log(1 - confidence) / Math.log(1 - share));
}

/** The pass numbers, 1 to n, over which the journey's Map state runs one pass each. */
export const journeyPasses = (): number[] => Array.from({ length: passesToCatch(FAILURE_SHARE_TO_CATCH, CONFIDENCE) }, (_, i) => i + 1);

export interface JourneyFailure {
  /** The journey step that failed first, such as CreateCompany. */
  failedStep: string;
  /** The HTTP status that step was answered, when it was answered at all. */
  httpStatus?: number;
  failedPasses: number;
  passes: number;
}

/** A failed pass's error is `<step>.<error>`, such as CreateCompany.ApiGateway.500 or ListCompanies.CompanyNotListed.200. */
const STEP = /^([A-Za-z]+)\./;
const HTTP_STATUS = /\.(\d{3})$/;
const PASS_COUNTS = /^(\d+) of (\d+) passes failed/;

/**
 * The failure a failed execution names, read from its error and cause; undefined when the execution failed
 * otherwise than by a failed pass (a States.Runtime error, say).
 */
export function journeyFailure(error = '', cause = ''): JourneyFailure | undefined {
  const step = STEP.exec(error);
  const counts = PASS_COUNTS.exec(cause);
  if (!step || !counts) return undefined;
  const status = HTTP_STATUS.exec(error);
  return { failedStep: step[1]!, httpStatus: status ? Number(status[1]) : undefined, failedPasses: Number(counts[1]), passes: Number(counts[2]) };
}
