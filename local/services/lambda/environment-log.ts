import { randomBytes } from 'node:crypto';
import type { FunctionLogging } from '../../template/stage';
import { SystemLog } from './system-log';

/** Who wrote a log event: the function's code, Lambda itself (system logs), or the Node.js runtime (its error lines). */
export type LogSource = 'function' | 'platform' | 'runtime';

/** One CloudWatch Logs event, as Lambda writes it to the function's log group. */
export interface LogEvent {
  functionName: string;
  version: string;
  logGroup: string;
  logStream: string;
  /** Epoch milliseconds. */
  timestamp: number;
  message: string;
  source: LogSource;
}

export interface LogHandlers {
  /** Each line the function's code writes, as the code wrote it (the runtime's formatting left out). */
  onLog?: (functionName: string, line: string) => void;
  /** Each event of each log stream, in order within the stream. */
  onLogEvent?: (event: LogEvent) => void;
}

/**
 * What an environment's runtime sends of what was written (worker-bootstrap.js, runtime-console.js): a raw
 * write to stdout or stderr; a console call, as the log event the runtime made of it and as plain text; or
 * one of the runtime's own error lines.
 */
export type WrittenEntry = { at: number; chunk: string } | { at: number; event: string; text: string } | { at: number; event: string; runtime: true };

/**
 * The log stream Lambda gives an execution environment: "YYYY/MM/DD/[<version>]<environment id>" in the
 * group Lambda makes (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html shows
 * "2019/06/07/[$LATEST]e6f4a0c4241adcd70c262d34c0bbc85c"), "YYYY/MM/DD/<function name>[<version>]<environment
 * id>" in a LoggingConfig.LogGroup of the template's own
 * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html). The date is the
 * environment's start, in UTC; the id is 32 lowercase hexadecimal digits.
 */
export function logStreamName(functionName: string, version: string, logging: FunctionLogging, startedAt: Date): string {
  const day = startedAt.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/${logging.customLogGroup ? functionName : ''}[${version}]${randomBytes(16).toString('hex')}`;
}

/** CloudWatch Logs' largest event (256 KB): text without a newline for longer is passed on in such pieces. */
const MAX_LINE_CHARS = 256 * 1024;

/**
 * One execution environment's log stream: what its code writes, line by line for raw writes and one event per
 * console call, as the Node.js runtime sends them; the runtime's error lines; and Lambda's system log.
 */
export class EnvironmentLog {
  readonly logStream: string;
  readonly system: SystemLog;
  private readonly lines: LineSplitter;
  /** The messages written since startKeeping(): one invocation's, for an Invoke that asked for its log's tail. */
  private kept: string[] | undefined;

  constructor(
    private readonly functionName: string,
    private readonly version: string,
    private readonly logging: FunctionLogging,
    private readonly handlers: LogHandlers,
  ) {
    this.logStream = logStreamName(functionName, version, logging, new Date());
    this.system = new SystemLog(logging.format, logging.systemLogLevel, version, (timestamp, message) => this.emit(timestamp, message, 'platform'));
    this.lines = new LineSplitter((line, at) => this.functionLine(line, at));
  }

  written(entries: WrittenEntry[]): void {
    for (const entry of entries) {
      if ('chunk' in entry) this.lines.push(entry.chunk, entry.at);
      else if ('text' in entry) {
        for (const line of entry.text.split('\n')) this.handlers.onLog?.(this.functionName, line);
        this.emit(entry.at, entry.event, 'function');
      } else this.emit(entry.at, entry.event, 'runtime');
    }
  }

  /** A line the worker's own stdout or stderr carried: a write that bypassed the runtime's hook. */
  bypassed(line: string): void {
    this.functionLine(line, Date.now());
  }

  /**
   * Keeps each message written from now on, until stopKeeping(). An environment runs one invocation at a time, so
   * what it writes between an invocation's START and its REPORT is that invocation's (function-runtime.ts).
   */
  startKeeping(): void {
    this.kept = [];
  }

  /** What was written since startKeeping(), if it was called, and keeps nothing more. */
  stopKeeping(): string[] | undefined {
    const kept = this.kept;
    this.kept = undefined;
    return kept;
  }

  /** The environment has ended: what it wrote without a final newline is a line of its own. */
  end(): void {
    this.lines.end();
  }

  private functionLine(line: string, at: number) {
    this.handlers.onLog?.(this.functionName, line);
    this.emit(at, line, 'function');
  }

  private emit(timestamp: number, message: string, source: LogSource) {
    this.kept?.push(message);
    const { functionName, version, logStream } = this;
    this.handlers.onLogEvent?.({ functionName, version, logGroup: this.logging.logGroup, logStream, timestamp, message, source });
  }
}

/** Text written in pieces, as the lines it holds: a line is passed on once its newline has arrived. */
class LineSplitter {
  private partial = '';
  private partialAt = 0;

  constructor(private readonly onLine: (line: string, at: number) => void) {}

  push(text: string, at: number): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop()!;
    for (const line of parts) this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line, at);
    while (this.partial.length >= MAX_LINE_CHARS) {
      this.onLine(this.partial.slice(0, MAX_LINE_CHARS), at);
      this.partial = this.partial.slice(MAX_LINE_CHARS);
    }
    if (this.partial) this.partialAt = at;
  }

  end(): void {
    if (this.partial) this.onLine(this.partial, this.partialAt);
    this.partial = '';
  }
}
