import { randomUUID } from 'node:crypto';
import { ExecutionError, ExecutionTimeoutError, type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../template/cloudformation';
import { apiGatewayInvoke } from './api-gateway-invoke';
import type { LocalApiTarget, LocalStateMachine } from './state-machines';

/** One state machine's synchronous Express executions, answered in StartSyncExecution's output shape. */

const API_GATEWAY_INVOKE = 'arn:aws:states:::apigateway:invoke';
/** Express executions stop after five minutes. */
const EXPRESS_MAX_DURATION_MS = 5 * 60_000;

export interface SyncExecutionOutput {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  /** Epoch seconds, as the AWS JSON protocol sends timestamps. */
  startDate: number;
  stopDate: number;
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  input: string;
  inputDetails: { included: boolean };
  output?: string;
  outputDetails?: { included: boolean };
  error?: string;
  cause?: string;
  billingDetails: { billedMemoryUsedInMB: number; billedDurationInMilliseconds: number };
}

export interface SyncExecutionOptions {
  api: LocalApiTarget;
  apiUrl: string;
  /** Pause before every retry instead of the definition's backoff, so that tests need not wait it out. */
  retryIntervalOverrideMs?: number;
}

type State = StateMachineDefinition['States'][string];

/** Every state of a definition, with those of Map iterations and Parallel branches. */
function* allStates(definition: Pick<StateMachineDefinition, 'States'>): Generator<[string, State]> {
  for (const [name, state] of Object.entries(definition.States)) {
    yield [name, state];
    if (state.Type === 'Map') yield* allStates((state.ItemProcessor ?? state.Iterator)!);
    if (state.Type === 'Parallel') for (const branch of state.Branches) yield* allStates(branch);
  }
}

function localOverrides(spec: LocalStateMachine, options: SyncExecutionOptions): NonNullable<RunOptions['overrides']> {
  const invoke = apiGatewayInvoke(options.api, options.apiUrl);
  const overrides: NonNullable<RunOptions['overrides']> = { taskResourceLocalHandlers: {}, retryIntervalOverrides: {} };
  for (const [name, state] of allStates(spec.definition)) {
    if (state.Type === 'Task') {
      // Anything else would make aws-local-stepfunctions call Lambda on AWS.
      if (state.Resource !== API_GATEWAY_INVOKE) throw new Error(`${spec.name}: task ${name} calls ${state.Resource}, which the local Step Functions does not serve`);
      overrides.taskResourceLocalHandlers![name] = invoke;
    }
    const retryable = state as { Retry?: unknown[] };
    if (retryable.Retry && options.retryIntervalOverrideMs !== undefined) overrides.retryIntervalOverrides![name] = options.retryIntervalOverrideMs;
  }
  return overrides;
}

/** Express bills duration in 100 ms steps and memory in 64 MB steps, 64 MB at least; local runs use the least. */
const billing = (ms: number) => ({ billedMemoryUsedInMB: 64, billedDurationInMilliseconds: Math.max(100, Math.ceil(ms / 100) * 100) });

export class SyncExecutions {
  private readonly machine: StateMachine;
  private readonly overrides: NonNullable<RunOptions['overrides']>;
  private readonly running = new Set<() => void>();

  constructor(
    readonly spec: LocalStateMachine,
    options: SyncExecutionOptions,
  ) {
    this.machine = new StateMachine(spec.definition);
    this.overrides = localOverrides(spec, options);
  }

  async run(name: string, input: string): Promise<SyncExecutionOutput> {
    const executionArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:express:${this.spec.name}:${name}:${randomUUID()}`;
    const started = Date.now();
    const execution = this.machine.run(JSON.parse(input), {
      overrides: this.overrides,
      context: { Execution: { Id: executionArn, Name: name }, StateMachine: { Id: this.spec.arn, Name: this.spec.name } },
    });
    let timedOut = false;
    const limit = setTimeout(() => {
      timedOut = true;
      execution.abort();
    }, EXPRESS_MAX_DURATION_MS);
    this.running.add(execution.abort);
    const outcome = await execution.result.then(
      (output) => ({ output }),
      (error: unknown) => ({ error }),
    );
    clearTimeout(limit);
    this.running.delete(execution.abort);
    const stopped = Date.now();
    const common = {
      executionArn,
      stateMachineArn: this.spec.arn,
      name,
      startDate: started / 1000,
      stopDate: stopped / 1000,
      input,
      inputDetails: { included: true },
      billingDetails: billing(stopped - started),
    };
    if (timedOut || ('error' in outcome && outcome.error instanceof ExecutionTimeoutError)) {
      return { ...common, status: 'TIMED_OUT', error: 'States.Timeout' };
    }
    if ('error' in outcome) {
      if (!(outcome.error instanceof ExecutionError)) throw outcome.error;
      const failure = outcome.error.cause as Error;
      return { ...common, status: 'FAILED', error: failure.name, cause: failure.message };
    }
    return { ...common, status: 'SUCCEEDED', output: JSON.stringify(outcome.output), outputDetails: { included: true } };
  }

  /** Stops every execution still running, at its next state; each one's run() then rejects. */
  abortAll(): void {
    for (const abort of this.running) abort();
  }
}
