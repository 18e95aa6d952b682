// The errors of the Node.js runtime, as AWS's runtime interface client names and reports them
// (https://github.com/aws/aws-lambda-nodejs-runtime-interface-client, src/Errors.js): the types it gives the
// failures it recognises, what it posts to Lambda for an error, and how its text-format log shows one.
'use strict';
const { types } = require('node:util');

// Each is reported as `Runtime.<class name>`, the name its prototype carries; a log record in JSON format
// shows the class name itself (runtime-console.js).
class ImportModuleError extends Error {}
class HandlerNotFound extends Error {}
class MalformedHandlerName extends Error {}
class UserCodeSyntaxError extends Error {}
class UnhandledPromiseRejection extends Error {
  constructor(reason) {
    super(reason === undefined ? undefined : String(reason));
  }
}
for (const runtimeError of [ImportModuleError, HandlerNotFound, MalformedHandlerName, UserCodeSyntaxError, UnhandledPromiseRejection]) {
  runtimeError.prototype.name = `Runtime.${runtimeError.name}`;
}

const isErrorLike = (value) =>
  types.isNativeError(value) ||
  (Boolean(value) && typeof value.name === 'string' && typeof value.message === 'string' && typeof value.stack === 'string');

/** What the runtime posts to Lambda for an error, and Lambda answers the caller: `{ errorType, errorMessage, trace }`. */
function postedError(error) {
  try {
    if (isErrorLike(error)) return { errorType: error.name, errorMessage: error.message, trace: typeof error.stack === 'string' ? error.stack.split('\n') : [] };
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    // Reading the error threw (a getter of its own): the runtime still posts something, of type "handled".
    return { errorType: 'handled', errorMessage: 'the error thrown could not be read', trace: [] };
  }
}

/**
 * An error as the text format's error lines show it: a tab, then JSON with its type, message and code, its
 * own properties, and its stack as a list of lines.
 */
function formattedForText(error) {
  try {
    return `\t${JSON.stringify(error, (_key, value) => {
      if (!(value instanceof Error)) return value;
      const shown = { errorType: value.name, errorMessage: value.message, code: value.code, ...value };
      if (typeof value.stack === 'string') shown.stack = value.stack.split('\n');
      return shown;
    })}`;
  } catch {
    return `\t${JSON.stringify(postedError(error))}`;
  }
}

const intoError = (value) => (value instanceof Error ? value : new Error(String(value)));

module.exports = {
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  UnhandledPromiseRejection,
  postedError,
  formattedForText,
  intoError,
};
