/**
 * The log an Invoke with LogType Tail answers in X-Amz-Log-Result: "The last 4 KB of the execution log, which is
 * base64 encoded." (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html), "up to 4 KB of base64-encoded
 * logs from the invocation" (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html#nodejs-logging-cli).
 *
 * What it holds: the invocation's log events as its log stream holds them, each message a line, as Lambda ends
 * each with a newline (the get-log-events example on that page): from its START to its REPORT, the code's lines,
 * the runtime's error lines, and Lambda's records in the function's log format (JSON records under LogFormat JSON,
 * the START, END and REPORT lines in Text), as the system log level lets them through. The environment runs one
 * invocation at a time, so what it writes in between is that invocation's (function-runtime.ts keeps it). Chosen
 * because AWS calls it the invocation's log and its example runs from START to REPORT; the environment's init
 * (its records, what the code writes as it loads), written before START, is in no invocation's tail here: AWS does
 * not say whether a cold start's tail shows it.
 *
 * The cut keeps the end, the last LOG_TAIL_BYTES. AWS does not say what it does with a multi-byte UTF-8 character
 * the cut splits; here its remaining bytes are left out too (up to 3), so that the tail decodes without a broken
 * character.
 */
export const LOG_TAIL_BYTES = 4 * 1024;

export function logTail(messages: string[]): string {
  const log = Buffer.from(messages.map((message) => `${message}\n`).join(''), 'utf8');
  let start = Math.max(0, log.length - LOG_TAIL_BYTES);
  // A continuation byte (10xxxxxx) is the inside of a character, never its start.
  while (start < log.length && (log[start]! & 0xc0) === 0x80) start++;
  return log.subarray(start).toString('base64');
}
