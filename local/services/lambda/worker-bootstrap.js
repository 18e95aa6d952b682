// One Lambda execution environment: loads a built bundle the way the nodejs runtime does and runs one
// invocation at a time. Plain JavaScript because it runs in a bare worker thread, as Lambda runs bundles.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { join } = require('node:path');

if ((process.env.NODE_OPTIONS ?? '').includes('--enable-source-maps')) process.setSourceMapsEnabled(true);

const dot = workerData.handler.lastIndexOf('.');
const file = workerData.handler.slice(0, dot);
const exportName = workerData.handler.slice(dot + 1);

let handler;
let initError;
try {
  const module = require(join(workerData.bundleDir, `${file}.js`));
  handler = module[exportName];
  if (typeof handler !== 'function') {
    initError = { errorType: 'Runtime.HandlerNotFound', errorMessage: `${workerData.handler} is undefined or not exported` };
  }
} catch (error) {
  initError = { errorType: 'Runtime.ImportModuleError', errorMessage: String(error && error.message) };
}

// The runtime tells its pool that initialisation is over: until then this environment is only starting.
parentPort.postMessage({ initialized: true });

const describe = (error) => ({
  errorType: (error && error.name) || 'Error',
  errorMessage: (error && error.message) || String(error),
  trace: String((error && error.stack) || '').split('\n'),
});

parentPort.on('message', async ({ id, event, context }) => {
  // An environment whose initialisation failed is thrown away, as Lambda does, and the next one retries.
  if (initError) return parentPort.postMessage({ id, error: initError, initFailed: true });
  const deadline = Date.now() + context.remainingMs;
  const lambdaContext = {
    ...context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(event, lambdaContext);
    parentPort.postMessage({ id, payload: JSON.stringify(result === undefined ? null : result) });
  } catch (error) {
    parentPort.postMessage({ id, error: describe(error) });
  }
});
