import type { FunctionError } from './function-runtime';
import type { Outcome } from './system-log';

/**
 * Each way an invocation fails, as Lambda answers the caller (the invoke's errorType and errorMessage) and as
 * its system log records it (platform.report's status and errorType).
 *
 * AWS documents the status values but not which failure gets which, so these are assumptions, kept alike
 * everywhere: `failure` when the handler threw or rejected and the runtime reported it, the environment
 * going on; `error` when the environment ended under the invocation (a runtime that exited, memory over
 * MemorySize, an error nothing awaited, a failed init), with the error type the caller got; `timeout` for a
 * timeout, the status text REPORT lines show (https://github.com/DataBiosphere/azul/issues/8140).
 */

export const handlerFailure = (error: FunctionError): Outcome => ({ status: 'failure', errorType: error.errorType });

/** The runtime posted an error and ended the environment (an uncaught exception, an unhandled rejection), or its init failed. */
export const environmentError = (error: FunctionError): Outcome => ({ status: 'error', errorType: error.errorType });

export interface Failure {
  /** What the caller gets for the invocation with this request id. */
  error: (requestId: string) => FunctionError;
  outcome: Outcome;
}

/**
 * The runtime ended without answering. Lambda's messages, as the caller gets them: "Runtime exited with error:
 * exit status 129" (https://repost.aws/knowledge-center/lambda-runtime-error), "Runtime exited without
 * providing a reason" for exit status 0 (reported at https://github.com/MatteoGioioso/lambda-flame/issues/3).
 */
export function runtimeExit(exitCode: number): Failure {
  const reason = exitCode === 0 ? 'Runtime exited without providing a reason' : `Runtime exited with error: exit status ${exitCode}`;
  return {
    error: (requestId) => ({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: ${reason}` }),
    outcome: { status: 'error', errorType: 'Runtime.ExitError' },
  };
}

/**
 * Memory over MemorySize: Lambda kills the runtime. Text REPORT lines show "Status: error  Error Type:
 * Runtime.OutOfMemory" and the caller gets "Runtime exited with error: signal: killed" (both from public log
 * captures; AWS's pages retrieved do not say). Here V8 stops the environment at its heap limit, which is
 * MemorySize.
 */
export const outOfMemory: Failure = {
  error: (requestId) => ({ errorType: 'Runtime.OutOfMemory', errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: signal: killed` }),
  outcome: { status: 'error', errorType: 'Runtime.OutOfMemory' },
};

/**
 * Over the function's timeout: Lambda answers Sandbox.Timedout and resets the environment
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html). The record's status is
 * timeout; its errorType, which AWS does not document for that status, is the caller's (assumption: so that a
 * reader of the record sees the same word as the caller).
 */
export function timedOut(timeoutSeconds: number): Failure {
  return {
    error: (requestId) => ({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds` }),
    outcome: { status: 'timeout', errorType: 'Sandbox.Timedout' },
  };
}
