/**
 * Lambda's own records of an execution environment's life, its system logs, as CloudWatch Logs holds them in
 * the environment's log stream. In JSON format each is a Telemetry API event `{ time, type, record }`, kept
 * or dropped by the function's system log level; in Text format they are the START, END, REPORT and
 * INIT_REPORT lines, none dropped.
 * https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html
 */

/**
 * How an init or an invocation ended. AWS documents success, failure and error, with an errorType on the last
 * two (telemetry-schema-reference above); timeout is modelled by AWS's own Rust runtime
 * (https://github.com/awslabs/aws-lambda-rust-runtime/blob/main/lambda-extension/src/telemetry.rs) and shown
 * in text REPORT lines. Which failure gets which status AWS does not say: see invocation-failures.ts.
 */
export interface Outcome {
  status: 'success' | 'failure' | 'error' | 'timeout';
  errorType?: string;
}

export const SUCCESS: Outcome = { status: 'success' };

export interface InvocationMetrics {
  durationMs: number;
  memorySizeMB: number;
  maxMemoryUsedMB: number;
  /** On an environment's first invocation: how long it took to start. */
  initDurationMs?: number;
}

type RecordType = 'platform.initStart' | 'platform.initRuntimeDone' | 'platform.initReport' | 'platform.start' | 'platform.runtimeDone' | 'platform.report';

const LEVEL_RANK: Record<string, number> = { DEBUG: 0, INFO: 1, WARN: 2 };

/**
 * The level Lambda gives a record. At the default INFO "Lambda automatically sends 'start' and 'report'"
 * (https://docs.amazonaws.cn/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html, translated), so the
 * others are DEBUG. Assumption: a record of anything but success is WARN, so that WARN keeps exactly those;
 * AWS's own table of levels could not be read, and a third-party emulator that says it follows it
 * (https://github.com/Neaox/overcast) does the same for report and runtimeDone.
 */
function levelOf(type: RecordType, outcome?: Outcome): string {
  if (outcome && outcome.status !== 'success') return 'WARN';
  return type === 'platform.start' || type === 'platform.report' ? 'INFO' : 'DEBUG';
}

const round = (ms: number, digits: number) => Number(ms.toFixed(digits));
/** Megabytes as Lambda reports them, whole: rounded up (AWS does not say how it rounds). */
export const wholeMegabytes = (bytes: number) => Math.ceil(bytes / (1024 * 1024));

/** The system log of one environment: each method writes what Lambda writes at that moment of its life. */
export class SystemLog {
  private readonly json: boolean;
  private readonly minimumRank: number;

  constructor(
    format: 'Text' | 'JSON',
    systemLogLevel: string,
    private readonly version: string,
    private readonly write: (timestamp: number, message: string) => void,
  ) {
    this.json = format === 'JSON';
    this.minimumRank = LEVEL_RANK[systemLogLevel.toUpperCase()] ?? LEVEL_RANK.INFO!;
  }

  initStart(): void {
    this.record('platform.initStart', { initializationType: 'on-demand', phase: 'init' });
  }

  /** The environment's init ended: loaded, or failed with the outcome's error type. */
  initDone(outcome: Outcome, durationMs: number): void {
    const status = { status: outcome.status, errorType: outcome.errorType };
    this.record('platform.initRuntimeDone', { initializationType: 'on-demand', phase: 'init', ...status }, outcome);
    this.record('platform.initReport', { initializationType: 'on-demand', phase: 'init', ...status, metrics: { durationMs: round(durationMs, 3) } }, outcome);
    // Text format says nothing of a successful init but its duration on the first REPORT. "If the function
    // crashes or times out during the Init phase, Lambda emits error information in the INIT_REPORT log."
    // (translated from https://docs.amazonaws.cn/lambda/latest/dg/lambda-runtime-environment.html)
    if (!this.json && outcome.status !== 'success') {
      this.text(`INIT_REPORT Init Duration: ${durationMs.toFixed(2)} ms\tPhase: init\tStatus: ${outcome.status}${outcome.errorType ? `\tError Type: ${outcome.errorType}` : ''}`);
    }
  }

  start(requestId: string): void {
    this.record('platform.start', { requestId, version: this.version });
    this.text(`START RequestId: ${requestId} Version: ${this.version}`);
  }

  done(requestId: string, outcome: Outcome, metrics: InvocationMetrics): void {
    const durationMs = round(metrics.durationMs, 3);
    const status = { status: outcome.status, errorType: outcome.errorType };
    this.record('platform.runtimeDone', { requestId, ...status, metrics: { durationMs } }, outcome);
    const reported = {
      durationMs,
      billedDurationMs: Math.ceil(durationMs),
      memorySizeMB: metrics.memorySizeMB,
      maxMemoryUsedMB: metrics.maxMemoryUsedMB,
      initDurationMs: metrics.initDurationMs === undefined ? undefined : round(metrics.initDurationMs, 3),
    };
    this.record('platform.report', { requestId, metrics: reported, ...status }, outcome);
    if (this.json) return;
    this.text(`END RequestId: ${requestId}`);
    const init = metrics.initDurationMs === undefined ? '' : `\tInit Duration: ${metrics.initDurationMs.toFixed(2)} ms`;
    // A text REPORT line names its status only when the runtime or the sandbox ended the invocation: captured
    // lines show "Status: timeout" and "Status: error\tError Type: Runtime.OutOfMemory"
    // (https://github.com/DataBiosphere/azul/issues/8140), and a handler's own error leaves the line as it is.
    const ended = outcome.status === 'error' ? `\tStatus: error\tError Type: ${outcome.errorType}` : outcome.status === 'timeout' ? '\tStatus: timeout' : '';
    this.text(
      `REPORT RequestId: ${requestId}\tDuration: ${metrics.durationMs.toFixed(2)} ms\tBilled Duration: ${reported.billedDurationMs} ms` +
        `\tMemory Size: ${metrics.memorySizeMB} MB\tMax Memory Used: ${metrics.maxMemoryUsedMB} MB${init}${ended}`,
    );
  }

  private record(type: RecordType, record: Record<string, unknown>, outcome?: Outcome) {
    if (!this.json || LEVEL_RANK[levelOf(type, outcome)]! < this.minimumRank) return;
    const now = Date.now();
    // JSON.stringify leaves out what is undefined: an errorType on success, the init duration of a warm start.
    this.write(now, JSON.stringify({ time: new Date(now).toISOString(), type, record }));
  }

  private text(line: string) {
    if (!this.json) this.write(Date.now(), line);
  }
}
