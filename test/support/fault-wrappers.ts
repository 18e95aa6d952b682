/**
 * Faults that strike outside the handler's own code, as a bad refactor, a crashing dependency or a broken layer
 * would: each wraps an operation's exported handler, so the project's handler never runs, or never answers,
 * on the requests it strikes. A candidate version is built with its entry file replaced by one that exports
 * the real handler wrapped in one of these (test/support/candidates.ts), so no test edits a handler's text.
 *
 * They strike only user requests, those API Gateway sends (its events name their stage; the PreTraffic hook's
 * direct invocations do not), so that the guard, not PreTraffic, is what a test proves. Module state is the
 * execution environment's, as on Lambda: an environment that crashes starts its count again.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (event: any, context: any) => Promise<unknown>;

export interface Strike {
  /** Strikes every nth user request in each execution environment: 5 is 20 %, with none of a random share's luck. */
  every?: number;
  /** Or strikes each user request with this probability, as a real fault would. */
  share?: number;
  /** Strikes only once the environment has served user requests for this many seconds (a latent fault). */
  afterSeconds?: number;
}

const isUserRequest = (event: { requestContext?: { stage?: unknown } } | undefined) => typeof event?.requestContext?.stage === 'string';

/** Counts this environment's user requests and answers whether the fault strikes this one. */
function striker({ every, share, afterSeconds = 0 }: Strike) {
  if ((every === undefined) === (share === undefined)) throw new Error('a strike takes either every or share');
  let served = 0;
  let firstAt: number | undefined;
  return (event: unknown): boolean => {
    if (!isUserRequest(event as never)) return false;
    firstAt ??= Date.now();
    if (Date.now() - firstAt < afterSeconds * 1000) return false;
    served++;
    return every === undefined ? Math.random() < share! : served % every === 0;
  };
}

const wrap = (fault: () => Promise<unknown>) => (handler: Handler, strike: Strike): Handler => {
  const strikes = striker(strike);
  return (event, context) => (strikes(event) ? fault() : handler(event, context));
};

export const faults = {
  /** Throws before the handler runs: the runtime reports a function error; API Gateway answers 502. */
  throwsOutsideHandler: wrap(async () => {
    throw new Error('candidate fault: thrown outside the handler');
  }),
  /** The process exits under the invocation: Runtime.ExitError, and the environment is reset. */
  exitsRuntime: wrap(async () => process.exit(1)),
  /** Waits on a call that never comes back: the invocation runs past Timeout and the environment is reset. */
  hangsPastTimeout: wrap(() => new Promise((resolve) => setTimeout(resolve, 15 * 60_000))),
  /** Holds ever more memory until the runtime is killed over MemorySize: Runtime.OutOfMemory. */
  exceedsMemory: wrap(async () => {
    const hoard: number[][] = [];
    for (;;) hoard.push(new Array(4 << 20).fill(hoard.length));
  }),
} satisfies Record<string, (handler: Handler, strike: Strike) => Handler>;

export type FaultName = keyof typeof faults;
