import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { LOCAL_REGION, ROOT } from '../../template/cloudformation';
import { functionArn, type FunctionSpec } from '../../template/stage';
import type { InvocationRecord } from '../cloudwatch/metrics';
import { EnvironmentLog, type LogEvent, type WrittenEntry } from './environment-log';
import { environmentError, type Failure, handlerFailure, outOfMemory, runtimeExit, timedOut } from './invocation-failures';
import { type Outcome, SUCCESS, wholeMegabytes } from './system-log';

/** What an invocation returns, in Lambda's terms: a payload, or a function error with its type. */
export interface FunctionError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export type InvokeResult = ({ ok: true; payload: string } | { ok: false; error: FunctionError }) & {
  /** Its log events' messages, from its START to its REPORT, when the caller asked to keep them (Invoke's LogType Tail). */
  log?: string[];
};

export interface RuntimeOptions {
  /** Credentials, endpoints and other variables every function sees, such as AWS_ENDPOINT_URL_DYNAMODB. */
  environment: () => Record<string, string>;
  /**
   * Each line the function's code writes, as it wrote it: raw writes to stdout and stderr line by line, and the
   * text of each console call, without the runtime's time, request id and level. Not the runtime's own error
   * lines nor Lambda's records: those are log events (onLogEvent).
   */
  onLog?: (functionName: string, line: string) => void;
  /** Each CloudWatch Logs event Lambda writes to the function's log group, in order within its log stream. */
  onLogEvent?: (event: LogEvent) => void;
  /** Called after every invocation, as Lambda's own metrics are. */
  onInvocation?: (record: InvocationRecord) => void;
  /**
   * How many execution environments one function version starts before invocations queue: on one machine
   * environments beyond its cores only contend. An invocation kept waiting starts another (see
   * SCALE_OUT_AFTER_MS); environments beyond this many are ended once idle for IDLE_MS.
   */
  maxConcurrency?: number;
}

/** One invocation: what the environment is sent, how it ends, and since when it runs (once it does). */
interface Invocation {
  message: { id: string; eventJson: string; context: Record<string, unknown> };
  resolve: (result: InvokeResult) => void;
  /** The caller wants what the environment writes while it runs (Invoke's LogType Tail): `log`, once it has ended. */
  keepLog: boolean;
  log?: string[];
  /** Given to its environment. */
  startedAt?: number;
  /** Begun by its environment, once initialised: Lambda's duration of it counts from here. */
  runningSince?: number;
  /** The environment's first: it loads code and opens connections, so its duration says nothing about load. */
  first?: boolean;
  timer?: NodeJS.Timeout;
  /** Its function timeout has started: it runs, or its environment's init has outlasted Lambda's 10 s for it. */
  timing?: boolean;
  /** Ends a wait for an environment: scale-out's timer. */
  waitTimer?: NodeJS.Timeout;
}

interface Environment {
  worker: Worker;
  log: EnvironmentLog;
  spawnedAt: number;
  /** From its start to its code loaded, or to its init failing. */
  initDurationMs?: number;
  running?: Invocation;
  /** Sent ahead while `running` runs: the environment starts it as soon as it answers (see dispatch). */
  next?: Invocation;
  /** Still loading its code: invocations waiting on it are waiting on a cold start, not on busy environments. */
  initializing: boolean;
  /** Has begun an invocation before. */
  used?: boolean;
  /** The most memory it has held, as its runtime samples it (worker-bootstrap.js). */
  peakMemoryBytes: number;
  /** V8 stopped it at its heap limit, MemorySize. */
  outOfMemory?: boolean;
  /** Ended by the pool, or found ended: what it still sends or does is of no invocation. */
  ended?: boolean;
}

/** What an environment's runtime sends (worker-bootstrap.js). */
interface WorkerMessage {
  logs?: WrittenEntry[];
  heapBytes?: number;
  /** Its init is over: the code is loaded, or initError says why not. */
  initialized?: boolean;
  initError?: FunctionError;
  /** The invocation it answers, with its payload or its error. */
  id?: string;
  payload?: string;
  error?: FunctionError;
  /** The error is one nothing awaited: the runtime posted it for the invocation and exits. */
  crashed?: boolean;
}

const BOOTSTRAP = join(__dirname, 'worker-bootstrap.js');
const STOPPED_UNDER_INVOCATION: InvokeResult = {
  ok: false,
  error: { errorType: 'Runtime.ExitError', errorMessage: 'The execution environment was stopped during the invocation' },
};
const RUNTIME_MODULES = join(ROOT, 'node_modules');
/** The environments a version runs at once before it queues invocations (maxConcurrency): one per core, two at least. */
export const DEFAULT_ENVIRONMENTS = Math.max(2, availableParallelism());
/**
 * An invocation that has waited this long for an environment starts one more, up to MAX_ENVIRONMENTS, when
 * the environments are busy waiting (on a slow dependency, a sleep), not computing, and Lambda would scale
 * out: when the median of this version's latest invocations and of those running is SLOW_INVOCATION_MS or
 * more. The handlers compute for about a millisecond, so fast invocations queued behind a pause (a collection
 * in DynamoDB Local's JVM, a busy core) wait past SCALE_OUT_AFTER_MS without the pool needing more: an
 * environment started then begins cold, 1.3 ms per invocation for its first ~6,000, and stays (a POST at
 * c=16 started a third in the bench's warm-up). An environment's first invocation is not counted: it loads
 * what the code loads lazily, opens its connections and runs cold, 250 ms for GetCompany's, so 16 requests
 * on a cold GetCompany used to start a third environment on the first timer. One at a time: while an
 * environment is still initialising, a wait is a cold start's, and starting more of them on two cores only
 * slows every one down (a cold stage under 100 requests/s started 32 and stalled for 25 s).
 */
const SCALE_OUT_AFTER_MS = 100;
const SLOW_INVOCATION_MS = 25;
const RECENT_INVOCATIONS = 8;
const MAX_ENVIRONMENTS = 32;
const IDLE_MS = 10_000;
/** Lambda's limit on an on-demand environment's init before it counts against the invocation's timeout. */
const INIT_LIMIT_MS = 10_000;
/**
 * Each environment's young generation. Left to V8, it grows towards its default ceiling over minutes of
 * load, in every environment, and the stage's memory creeps up with it: bench:soak measured RSS +10.3 % over
 * 10 minutes at the default, +8.7 % at 8 MB.
 */
const YOUNG_GENERATION_MB = 8;
/**
 * How much lower an environment's CPU priority is than the stage's: its nice value is raised by this much, on
 * Linux, where each thread has its own. Every invocation waits on the stage's main thread (the gateway) and on
 * DynamoDB Local; on two cores they queued behind the environments' compute, and the machine still idled. At
 * c=16 POST, Jetty's threads in DynamoDB Local waited 0.7 ms per request for a core, and 15 % of the cores sat
 * idle. In one stage, switched round by round: with two CreateCompany environments, 5 % more POSTs per second
 * and 13 % of the cores idle; with three, 19 % more and 8 % idle (three still served 5 % fewer than two). Nice 10
 * did no better than 5. On a machine busy with other programs, the stage's functions give way to them too.
 */
export const ENVIRONMENT_NICENESS = 5;

/**
 * One published version of one function: a pool of execution environments (worker threads), each with its
 * own module state, process.env and log stream, each serving one invocation at a time, created on demand as
 * Lambda scales out. An environment fails as Lambda's fails (invocation-failures.ts): a handler's error leaves
 * it as it is; a timeout, a runtime exit, memory over MemorySize, an error nothing awaited or a failed init
 * ends it, and the next invocation starts a new one, cold.
 */
export class FunctionVersion {
  private readonly idle: Environment[] = [];
  private readonly all = new Set<Environment>();
  private readonly waiting: Invocation[] = [];
  /** How long the latest invocations kept their environments, newest last. */
  private readonly recentDurations: number[] = [];
  private readonly timeout: Failure;

  constructor(
    readonly spec: FunctionSpec,
    readonly version: string,
    readonly bundleDir: string,
    private readonly options: RuntimeOptions,
  ) {
    this.timeout = timedOut(spec.timeoutSeconds);
  }

  invoke(event: unknown, requestId: string = randomUUID(), keepLog = false): Promise<InvokeResult> {
    // The runtime adds the log group and stream, its environment's (worker-bootstrap.js).
    const context = {
      awsRequestId: requestId,
      functionName: this.spec.functionName,
      functionVersion: this.version,
      invokedFunctionArn: functionArn(this.spec.functionName, this.version),
      memoryLimitInMB: String(this.spec.memoryMb),
      remainingMs: this.spec.timeoutSeconds * 1000,
    };
    // Lambda hands its runtime the event as JSON: what JSON cannot carry (a Date, an undefined) arrives as it
    // would there. A string also posts for less than the object: 1.05 → 1.02 ms of Node CPU per POST at c=16.
    const eventJson = JSON.stringify(event) ?? 'null';
    return new Promise<InvokeResult>((resolve) => this.dispatch({ message: { id: requestId, eventJson, context }, resolve, keepLog }));
  }

  async stop(): Promise<void> {
    for (const invocation of this.waiting.splice(0)) this.finish(invocation, STOPPED_UNDER_INVOCATION);
    for (const env of this.all) {
      env.ended = true;
      for (const invocation of [env.running, env.next]) if (invocation) this.finish(invocation, STOPPED_UNDER_INVOCATION);
    }
    await Promise.all([...this.all].map((env) => env.worker.terminate()));
    this.all.clear();
    this.idle.length = 0;
  }

  /**
   * To an idle environment; to a new one while the pool is below its size; else, while invocations are
   * fast, ahead to a running environment that has nothing sent ahead, so that it starts the next as soon
   * as it answers instead of idling until the stage has read the answer and sent more (one at a time still:
   * the environment queues it); else it waits for one.
   */
  private dispatch(invocation: Invocation) {
    const env = this.idle.pop() ?? (this.all.size < this.poolSize() ? this.spawn() : this.aheadTarget());
    if (env) return this.assign(env, invocation);
    this.waiting.push(invocation);
    invocation.waitTimer = setTimeout(() => {
      const queued = this.waiting.indexOf(invocation);
      if (queued < 0 || this.all.size >= MAX_ENVIRONMENTS || [...this.all].some((env) => env.initializing) || !this.invocationsAreSlow()) return;
      this.waiting.splice(queued, 1);
      this.assign(this.spawn(), invocation);
    }, SCALE_OUT_AFTER_MS);
  }

  private assign(env: Environment, invocation: Invocation) {
    clearTimeout(invocation.waitTimer);
    if (env.running) env.next = invocation;
    else this.begin(env, invocation);
    env.worker.postMessage(invocation.message);
  }

  /** The running environment likeliest to answer first with nothing sent ahead, when invocations are fast. */
  private aheadTarget(): Environment | undefined {
    let target: Environment | undefined;
    for (const env of this.all) {
      if (!env.running || env.next || env.initializing) continue;
      if (!target || env.running.startedAt! < target.running!.startedAt!) target = env;
    }
    return target && !this.invocationsAreSlow() ? target : undefined;
  }

  /**
   * The invocation is the environment's; it runs once the environment is initialised. Its timeout runs from
   * then, as Lambda's does: "The Init phase is limited to 10 seconds. If all three tasks do not complete within
   * 10 seconds, Lambda retries the Init phase at the time of the first function invocation with the configured
   * function timeout" (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html). So an
   * init past its 10 s goes on under the function's timeout here (not run again from its start).
   */
  private begin(env: Environment, invocation: Invocation) {
    env.running = invocation;
    invocation.first = !env.used;
    env.used = true;
    invocation.startedAt = performance.now();
    if (!env.initializing) return this.run(env, invocation);
    invocation.timer = setTimeout(() => this.startTimeout(env, invocation), Math.max(0, env.spawnedAt + INIT_LIMIT_MS - performance.now()));
  }

  private run(env: Environment, invocation: Invocation) {
    invocation.runningSince = performance.now();
    if (invocation.keepLog) env.log.startKeeping();
    env.log.system.start(invocation.message.id);
    if (!invocation.timing) this.startTimeout(env, invocation);
  }

  private startTimeout(env: Environment, invocation: Invocation) {
    invocation.timing = true;
    clearTimeout(invocation.timer);
    invocation.timer = setTimeout(() => this.fail(env, this.timeout), this.spec.timeoutSeconds * 1000);
  }

  private finish(invocation: Invocation, result: InvokeResult) {
    clearTimeout(invocation.timer);
    clearTimeout(invocation.waitTimer);
    if (invocation.startedAt !== undefined && !invocation.first) this.recordDuration(performance.now() - invocation.startedAt);
    invocation.resolve(invocation.log ? { ...result, log: invocation.log } : result);
  }

  /** Lambda's records of an invocation that ended in the environment: its status, duration and memory. */
  private report(env: Environment, invocation: Invocation, outcome: Outcome) {
    env.log.system.done(invocation.message.id, outcome, {
      durationMs: invocation.runningSince === undefined ? 0 : performance.now() - invocation.runningSince,
      memorySizeMB: this.spec.memoryMb,
      maxMemoryUsedMB: Math.min(this.spec.memoryMb, wholeMegabytes(env.peakMemoryBytes)),
      initDurationMs: invocation.first ? env.initDurationMs : undefined,
    });
    invocation.log = env.log.stopKeeping();
  }

  /** The environment answered the invocation it ran: it goes on with what was sent ahead, and takes more. */
  private answered(env: Environment, result: InvokeResult) {
    const done = env.running!;
    env.running = undefined;
    this.report(env, done, result.ok ? SUCCESS : handlerFailure(result.error));
    if (env.next) this.begin(env, env.next);
    env.next = undefined;
    this.fill(env);
    this.finish(done, result);
  }

  /** The environment ends under its invocation, or during its init, and the invocation with it. */
  private fail(env: Environment, failure: Failure) {
    const invocation = env.running;
    if (env.initializing) {
      env.initializing = false;
      env.initDurationMs = performance.now() - env.spawnedAt;
      env.log.system.initDone(failure.outcome, env.initDurationMs);
      if (invocation) this.run(env, invocation);
    }
    if (invocation) this.report(env, invocation, failure.outcome);
    this.discard(env);
    if (invocation) this.finish(invocation, { ok: false, error: failure.error(invocation.message.id) });
  }

  private initialized(env: Environment, initError: FunctionError | undefined) {
    if (initError) return this.fail(env, { error: () => initError, outcome: environmentError(initError) });
    env.initializing = false;
    env.initDurationMs = performance.now() - env.spawnedAt;
    env.log.system.initDone(SUCCESS, env.initDurationMs);
    if (env.running) this.run(env, env.running);
  }

  /** The worker has stopped of itself: the code exited, or V8 stopped it at its memory limit. */
  private exited(env: Environment, exitCode: number) {
    if (env.outOfMemory) env.peakMemoryBytes = this.spec.memoryMb * 1024 * 1024;
    this.fail(env, env.outOfMemory ? outOfMemory : runtimeExit(exitCode));
  }

  /** Gives the environment the oldest waiting invocation and, while invocations are fast, one ahead; else it idles. */
  private fill(env: Environment) {
    if (!env.running) {
      const next = this.waiting.shift();
      if (!next) return this.idleOut(env);
      this.assign(env, next);
    }
    if (env.next || this.waiting.length === 0 || this.invocationsAreSlow()) return;
    this.assign(env, this.waiting.shift()!);
  }

  private poolSize(): number {
    return this.options.maxConcurrency ?? DEFAULT_ENVIRONMENTS;
  }

  private recordDuration(ms: number) {
    this.recentDurations.push(ms);
    if (this.recentDurations.length > RECENT_INVOCATIONS) this.recentDurations.shift();
  }

  private invocationsAreSlow(): boolean {
    const now = performance.now();
    const running = [...this.all].flatMap((env) => (env.running && !env.running.first ? [now - env.running.startedAt!] : []));
    const durations = [...this.recentDurations, ...running].sort((a, b) => a - b);
    return durations.length > 0 && durations[Math.floor(durations.length / 2)]! >= SLOW_INVOCATION_MS;
  }

  private idleOut(env: Environment) {
    this.idle.push(env);
    if (this.all.size <= this.poolSize()) return;
    // One of the extra environments a burst started: ended if no invocation takes it soon.
    setTimeout(() => {
      const at = this.idle.indexOf(env);
      if (at < 0 || this.all.size <= this.poolSize()) return;
      this.idle.splice(at, 1);
      this.all.delete(env);
      env.ended = true;
      void env.worker.terminate();
    }, IDLE_MS).unref();
  }

  /** Ends an environment; what was sent ahead to it goes first to the next. */
  private discard(env: Environment) {
    env.ended = true;
    this.all.delete(env);
    const idle = this.idle.indexOf(env);
    if (idle >= 0) this.idle.splice(idle, 1);
    void env.worker.terminate();
    env.log.end();
    // An answer already on its way from the worker is not read: the invocation has ended.
    env.running = undefined;
    if (env.next) this.waiting.unshift(env.next);
    env.next = undefined;
    const next = this.waiting.shift();
    if (next) this.assign(this.spawn(), next);
  }

  private spawn(): Environment {
    const log = new EnvironmentLog(this.spec.functionName, this.version, this.spec.logging, this.options);
    const worker = new Worker(BOOTSTRAP, {
      workerData: { handler: this.spec.handler, bundleDir: this.bundleDir, niceness: ENVIRONMENT_NICENESS },
      env: this.lambdaEnvironment(log.logStream),
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: this.spec.memoryMb, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      // A bare Node, as Lambda's runtime: none of this process's loaders or flags (tsx, inspectors).
      execArgv: [],
    });
    const env: Environment = { worker, log, spawnedAt: performance.now(), initializing: true, peakMemoryBytes: 0 };
    log.system.initStart();
    // The bootstrap sends what the code writes in batches (worker-bootstrap.js); a write that bypasses its
    // hook (through the stream's prototype, say) still arrives on the worker's own streams.
    for (const stream of [worker.stdout, worker.stderr]) createInterface({ input: stream }).on('line', (line) => log.bypassed(line));
    // One listener for the environment's life: its logs, the end of its initialisation, its answers.
    worker.on('message', (message: WorkerMessage) => {
      if (env.ended) return;
      if (message.heapBytes) env.peakMemoryBytes = Math.max(env.peakMemoryBytes, message.heapBytes);
      if (message.logs) log.written(message.logs);
      if (message.initialized) return this.initialized(env, message.initError);
      if (message.id === undefined || message.id !== env.running?.message.id) return;
      if (message.crashed) return this.fail(env, { error: () => message.error!, outcome: environmentError(message.error!) });
      this.answered(env, message.error ? { ok: false, error: message.error } : { ok: true, payload: message.payload! });
    });
    worker.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') env.outOfMemory = true;
    });
    worker.on('exit', (exitCode) => {
      if (!env.ended) this.exited(env, exitCode);
      log.end();
    });
    this.all.add(env);
    return env;
  }

  /** The variables Lambda sets, then the template's, then the stage's credentials and endpoints. */
  private lambdaEnvironment(logStream: string): Record<string, string> {
    const { logging } = this.spec;
    return {
      PATH: process.env.PATH ?? '',
      TZ: ':UTC',
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: this.spec.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: this.version,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(this.spec.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: logging.logGroup,
      AWS_LAMBDA_LOG_STREAM_NAME: logStream,
      // The runtime formats and filters the console by these (runtime-console.js). Lambda sets the format
      // either way (https://github.com/awslabs/aws-lambda-powershell-runtime/issues/40) and a level only in
      // JSON format, where alone it filters: "To use log-level filtering, your function must be configured to
      // use the JSON log format." https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
      AWS_LAMBDA_LOG_FORMAT: logging.format,
      ...(logging.format === 'JSON' ? { AWS_LAMBDA_LOG_LEVEL: logging.applicationLogLevel } : {}),
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      LAMBDA_TASK_ROOT: this.bundleDir,
      // Where the nodejs runtime keeps the AWS SDK it provides (/var/runtime/node_modules): a bundle that leaves
      // the SDK out (template.yaml's External) finds it there; the project's own copy stands in for it.
      NODE_PATH: RUNTIME_MODULES,
      ...this.spec.environment,
      ...this.options.environment(),
    };
  }
}
