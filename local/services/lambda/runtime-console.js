// The console the Node.js runtime gives a function, as AWS's runtime interface client patches it
// (src/LogPatch.js; https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html): each call of a console
// method is one log event. In Text format it reads `<ISO time>\t<request id>\t<LEVEL>\t<message>`; in JSON
// format `{"timestamp","level","requestId","message"}`, an Error logged alone becoming
// `{errorType, errorMessage, stackTrace}`. Methods below AWS_LAMBDA_LOG_LEVEL, which Lambda sets in JSON format
// only, write nothing. The runtime writes its own error lines ("Invoke Error", "Uncaught Exception", …)
// through console.error too, so the level filters them alike.
'use strict';
const { format } = require('node:util');
const { formattedForText, intoError } = require('./runtime-errors.js');

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

// In JSON, an Error shows its class's name, message, stack as lines, and its own properties.
const errorAsJson = (_key, value) =>
  value instanceof Error
    ? {
        errorType: value.constructor?.name ?? 'UnknownError',
        errorMessage: value.message,
        stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
        ...value,
      }
    : value;

function jsonEvent(timestamp, level, requestId, args) {
  const event = { timestamp, level, requestId };
  if (args.length <= 1) {
    event.message = args[0];
    try {
      return JSON.stringify(event, errorAsJson);
    } catch {
      // Not JSON (a cycle, a BigInt): the message as console.log would print it.
      event.message = format(args[0]);
      return JSON.stringify(event);
    }
  }
  event.message = format(...args);
  const error = args.find((arg) => arg instanceof Error);
  if (error) {
    event.errorType = error.constructor?.name ?? 'UnknownError';
    event.errorMessage = error.message;
    event.stackTrace = typeof error.stack === 'string' ? error.stack.split('\n') : [];
  }
  return JSON.stringify(event);
}

/**
 * Replaces the console's methods. `write(entry, chars)` takes each event made; `requestId()` is the request
 * id the runtime holds: the latest invocation's, undefined during init (the text format then shows "undefined").
 */
function patchConsole({ write, requestId }) {
  const { console } = globalThis;
  const json = (process.env.AWS_LAMBDA_LOG_FORMAT ?? '').toUpperCase() === 'JSON';
  // An unset or unknown level lets everything through, as the runtime does.
  const lowest = Math.max(0, LEVELS.indexOf((process.env.AWS_LAMBDA_LOG_LEVEL ?? '').toUpperCase()));
  const eventOf = (at, level, args, text = format(...args)) => {
    const timestamp = new Date(at).toISOString();
    return json ? jsonEvent(timestamp, level, requestId(), args) : `${timestamp}\t${requestId()}\t${level}\t${text}`;
  };
  const method = (level) => {
    if (LEVELS.indexOf(level) < lowest) return () => {};
    return (...args) => {
      const at = Date.now();
      const text = format(...args);
      const event = eventOf(at, level, args, text);
      write({ at, event, text }, event.length + text.length);
    };
  };
  console.trace = method('TRACE');
  console.debug = method('DEBUG');
  console.info = method('INFO');
  console.log = console.info;
  console.warn = method('WARN');
  console.error = method('ERROR');
  console.fatal = method('FATAL');

  const errorsShown = LEVELS.indexOf('ERROR') >= lowest;
  return {
    /** One of the runtime's own error lines: in JSON format the error alone, in Text format the label, then the error. */
    logError(label, error) {
      if (!errorsShown) return;
      const at = Date.now();
      const args = json ? [intoError(error)] : [label, formattedForText(intoError(error))];
      const event = eventOf(at, 'ERROR', args);
      write({ at, event, runtime: true }, event.length);
    },
  };
}

module.exports = { patchConsole };
