import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { LOCAL_REGION } from '../../template/cloudformation';
import { functionArn, type FunctionSpec } from '../../template/stage';
import type { InvocationRecord } from '../cloudwatch/metrics';

/** What an invocation returns, in Lambda's terms: a payload, or a function error with its type. */
export interface FunctionError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export type InvokeResult = { ok: true; payload: string } | { ok: false; error: FunctionError };

export interface RuntimeOptions {
  /** Credentials, endpoints and other variables every function sees, such as AWS_ENDPOINT_URL_DYNAMODB. */
  environment: () => Record<string, string>;
  onLog?: (functionName: string, line: string) => void;
  /** Called after every invocation, as Lambda's own metrics are. */
  onInvocation?: (record: InvocationRecord) => void;
  /**
   * How many execution environments one function version may run at once. Lambda would scale further,
   * but on one machine environments beyond its cores only contend: the rest of the invocations queue.
   */
  maxConcurrency?: number;
}

interface Environment {
  worker: Worker;
  busy: boolean;
}

const BOOTSTRAP = join(__dirname, 'worker-bootstrap.js');
const DEFAULT_ENVIRONMENTS = Math.max(2, availableParallelism());
/**
 * Each environment's young generation. Left to V8, it grows towards its default ceiling over minutes of
 * load, in every environment, and the stage's memory creeps up with it: bench:soak measured RSS +10.3 % over
 * 10 minutes at the default, +8.7 % at 8 MB.
 */
const YOUNG_GENERATION_MB = 8;

/**
 * One published version of one function: a pool of execution environments (worker threads), each with its
 * own module state and process.env, each serving one invocation at a time, created on demand as Lambda
 * scales out. A timeout ends the environment that ran over, as Lambda does.
 */
export class FunctionVersion {
  private readonly idle: Environment[] = [];
  private readonly all = new Set<Environment>();
  private readonly waiting: Array<(env: Environment) => void> = [];

  constructor(
    readonly spec: FunctionSpec,
    readonly version: string,
    readonly bundleDir: string,
    private readonly options: RuntimeOptions,
  ) {}

  async invoke(event: unknown, requestId: string = randomUUID()): Promise<InvokeResult> {
    const env = await this.acquire();
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    const context = {
      awsRequestId: requestId,
      functionName: this.spec.functionName,
      functionVersion: this.version,
      invokedFunctionArn: functionArn(this.spec.functionName, this.version),
      memoryLimitInMB: String(this.spec.memoryMb),
      logGroupName: `/aws/lambda/${this.spec.functionName}`,
      logStreamName: `local/${this.version}`,
      remainingMs: timeoutMs,
    };
    return new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => {
        env.worker.off('message', onMessage);
        this.discard(env);
        resolve({ ok: false, error: { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds` } });
      }, timeoutMs);
      const onMessage = (message: { id: string; payload?: string; error?: FunctionError; initFailed?: boolean }) => {
        if (message.id !== requestId) return;
        clearTimeout(timer);
        env.worker.off('message', onMessage);
        if (message.initFailed) this.discard(env);
        else this.release(env);
        resolve(message.error ? { ok: false, error: message.error } : { ok: true, payload: message.payload! });
      };
      env.worker.on('message', onMessage);
      env.worker.postMessage({ id: requestId, event, context });
    });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.all].map((env) => env.worker.terminate()));
    this.all.clear();
    this.idle.length = 0;
  }

  private acquire(): Promise<Environment> {
    const ready = this.idle.pop();
    if (ready) return Promise.resolve(Object.assign(ready, { busy: true }));
    if (this.all.size < (this.options.maxConcurrency ?? DEFAULT_ENVIRONMENTS)) return Promise.resolve(this.spawn());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(env: Environment) {
    const next = this.waiting.shift();
    if (next) next(env);
    else this.idle.push(Object.assign(env, { busy: false }));
  }

  private discard(env: Environment) {
    this.all.delete(env);
    void env.worker.terminate();
    const next = this.waiting.shift();
    if (next) next(this.spawn());
  }

  private spawn(): Environment {
    const worker = new Worker(BOOTSTRAP, {
      workerData: { handler: this.spec.handler, bundleDir: this.bundleDir },
      env: this.lambdaEnvironment(),
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: this.spec.memoryMb, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      // A bare Node, as Lambda's runtime: none of this process's loaders or flags (tsx, inspectors).
      execArgv: [],
    });
    for (const stream of [worker.stdout, worker.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.options.onLog?.(this.spec.functionName, line));
    }
    const env: Environment = { worker, busy: true };
    worker.on('error', () => this.all.delete(env));
    this.all.add(env);
    return env;
  }

  /** The variables Lambda sets, then the template's, then the stage's credentials and endpoints. */
  private lambdaEnvironment(): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '',
      TZ: ':UTC',
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: this.spec.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: this.version,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(this.spec.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${this.spec.functionName}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      LAMBDA_TASK_ROOT: this.bundleDir,
      ...this.spec.environment,
      ...this.options.environment(),
    };
  }
}
