import { gunzipSync } from 'node:zlib';

/**
 * Lambda's own account of each invocation, as a CloudWatch Logs subscription delivers it: the function's log
 * records in Lambda's JSON format, of which `platform.report` says how every invocation ended, whatever the
 * function's code did or failed to do.
 *
 * - Payload: `{ awslogs: { data } }`, data being base64 of gzip of `{ messageType, logGroup, logStream,
 *   logEvents: [{ id, timestamp, message }] }`; a CONTROL_MESSAGE only checks that the destination is there.
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html
 * - Records: `{ time, type, record }`, `platform.report`'s record `{ requestId, status, errorType?, metrics }`,
 *   status success, failure, error or timeout, errorType present on failure and error. It carries no version.
 *   https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html
 * - The version and, for a log group of the template's own, the function are in the stream's name:
 *   `YYYY/MM/DD/<function>[<version>]<environment>`, or `YYYY/MM/DD/[<version>]<environment>` in Lambda's own
 *   group `/aws/lambda/<function>`. https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html
 */

export interface LogsPayload {
  messageType: string;
  logGroup: string;
  logStream: string;
  logEvents: Array<{ id: string; timestamp: number; message: string }>;
}

/** How an invocation ended, in the words an on-call engineer looks for. */
export type OutcomeKind = 'success' | 'function-error' | 'unhandled-error' | 'timeout' | 'runtime-exit' | 'out-of-memory' | 'init-failure';

export interface InvocationOutcome {
  functionName: string;
  version: string;
  requestId: string;
  /** When Lambda reported it (epoch ms): the end of the invocation. */
  at: number;
  kind: OutcomeKind;
  errorType?: string;
  durationMs?: number;
}

/** What the Node.js runtime reports when it cannot load the function's code or find its handler. */
const INIT_ERROR_TYPES = new Set([
  'Runtime.ImportModuleError',
  'Runtime.HandlerNotFound',
  'Runtime.MalformedHandlerName',
  'Runtime.UserCodeSyntaxError',
  'Runtime.InvalidEntrypoint',
]);

export function decodePayload(data: string): LogsPayload {
  return JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8')) as LogsPayload;
}

/** The function and version whose environment wrote a log stream; undefined for a name Lambda does not give. */
export function streamOwner(logGroup: string, logStream: string): { functionName: string; version: string } | undefined {
  const match = /^\d{4}\/\d{2}\/\d{2}\/([^[\]]*)\[([^\]]+)\][0-9a-f]+$/.exec(logStream);
  if (!match) return undefined;
  const functionName = match[1] || /^\/aws\/lambda\/(.+)$/.exec(logGroup)?.[1];
  return functionName ? { functionName, version: match[2]! } : undefined;
}

function kindOf(status: string, errorType: string | undefined, initFailed: boolean): OutcomeKind {
  if (status === 'success') return 'success';
  if (status === 'timeout' || errorType === 'Sandbox.Timedout') return 'timeout';
  if (errorType === 'Runtime.OutOfMemory') return 'out-of-memory';
  if (errorType === 'Runtime.ExitError') return 'runtime-exit';
  if (initFailed || (errorType !== undefined && INIT_ERROR_TYPES.has(errorType))) return 'init-failure';
  if (errorType === 'Runtime.UnhandledPromiseRejection') return 'unhandled-error';
  // AWS documents no meaning for failure against error; the local runtime, like the Node.js runtime's own
  // records, calls an error the handler returned a failure, and one that ended the environment an error.
  return status === 'failure' ? 'function-error' : 'unhandled-error';
}

const parse = (message: string): { time?: string; type?: string; record?: Record<string, unknown> } | undefined => {
  try {
    const parsed: unknown = JSON.parse(message);
    return parsed && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Every invocation a batch of records reports, in order. A failed `platform.initReport` marks the report
 * after it in the same stream as an init failure: a module that throws while loading reports its own error
 * type, not one of the runtime's.
 */
export function outcomesOf(payload: LogsPayload): InvocationOutcome[] {
  const owner = payload.messageType === 'DATA_MESSAGE' ? streamOwner(payload.logGroup, payload.logStream) : undefined;
  if (!owner) return [];
  const outcomes: InvocationOutcome[] = [];
  let initFailed = false;
  for (const event of payload.logEvents) {
    const entry = parse(event.message);
    const record = entry?.record;
    if (!record) continue;
    if (entry.type === 'platform.initReport') initFailed = record.status !== undefined && record.status !== 'success';
    if (entry.type !== 'platform.report' || typeof record.requestId !== 'string' || typeof record.status !== 'string') continue;
    const errorType = typeof record.errorType === 'string' ? record.errorType : undefined;
    const time = Date.parse(String(entry.time));
    const metrics = record.metrics as { durationMs?: unknown } | undefined;
    outcomes.push({
      ...owner,
      requestId: record.requestId,
      at: Number.isFinite(time) ? time : event.timestamp,
      kind: kindOf(record.status, errorType, initFailed),
      errorType,
      durationMs: typeof metrics?.durationMs === 'number' ? metrics.durationMs : undefined,
    });
    initFailed = false;
  }
  return outcomes;
}
