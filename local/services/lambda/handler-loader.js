// Finds a function's handler as the Node.js runtime does, and names what goes wrong as it does (AWS's runtime
// interface client, src/UserFunction.js): a handler string with ".." or without a dot is
// Runtime.MalformedHandlerName; a module that does not parse, Runtime.UserCodeSyntaxError; one that is not
// there, or needs one that is not, Runtime.ImportModuleError; a handler the module does not export as a
// function, Runtime.HandlerNotFound. Anything else the module throws while loading is thrown as it is.
// Bundles are CommonJS `.js` files here, as the template builds them; the runtime also tries .mjs and .cjs.
'use strict';
const { basename, resolve } = require('node:path');
const { HandlerNotFound, ImportModuleError, MalformedHandlerName, UserCodeSyntaxError } = require('./runtime-errors.js');

function loadHandler(taskRoot, handlerString) {
  if (handlerString.includes('..')) {
    throw new MalformedHandlerName(`'${handlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`);
  }
  // "dir/module.export.path": the module is looked for in dir, the handler along the path of exports.
  const moduleAndPath = basename(handlerString);
  const moduleRoot = handlerString.slice(0, handlerString.length - moduleAndPath.length);
  const dot = moduleAndPath.indexOf('.');
  if (dot < 0) throw new MalformedHandlerName('Bad handler');
  let exported;
  try {
    exported = require(resolve(taskRoot, moduleRoot, `${moduleAndPath.slice(0, dot)}.js`));
  } catch (error) {
    if (error instanceof SyntaxError) throw new UserCodeSyntaxError(String(error));
    if (error && error.code === 'MODULE_NOT_FOUND') throw new ImportModuleError(String(error));
    throw error;
  }
  const handler = moduleAndPath
    .slice(dot + 1)
    .split('.')
    .reduce((found, key) => found && found[key], exported);
  if (!handler) throw new HandlerNotFound(`${handlerString} is undefined or not exported`);
  if (typeof handler !== 'function') throw new HandlerNotFound(`${handlerString} is not a function`);
  return handler;
}

module.exports = { loadHandler };
