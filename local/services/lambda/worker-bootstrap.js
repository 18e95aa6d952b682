// One Lambda execution environment: loads a built bundle the way the nodejs runtime does and runs one
// invocation at a time. Plain JavaScript because it runs in a bare worker thread, as Lambda runs bundles.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { join } = require('node:path');
const { Buffer } = require('node:buffer');
const { setTimeout, clearTimeout } = require('node:timers');
const { getPriority, setPriority } = require('node:os');

// Linux keeps a nice value per thread, so this lowers this environment's priority alone; elsewhere it would
// lower the whole stage's, so it is left as it is. Raising one's own nice value needs no privilege.
if (process.platform === 'linux') setPriority(Math.min(19, getPriority() + workerData.niceness));

if ((process.env.NODE_OPTIONS ?? '').includes('--enable-source-maps')) process.setSourceMapsEnabled(true);

// What the code writes to stdout and stderr reaches the runtime in batches: with an invocation's answer, or
// within LOG_FLUSH_MS, or at LOG_FLUSH_CHARS. A worker's own stdout posts every write to the main thread on
// its own and waits to be asked for more: about 7 % of a GetCompany invocation's process CPU, measured.
const LOG_FLUSH_MS = 20;
const LOG_FLUSH_CHARS = 64 * 1024;
let pendingLogs = [];
let pendingChars = 0;
let flushTimer;
const takeLogs = () => {
  clearTimeout(flushTimer);
  flushTimer = undefined;
  const logs = pendingLogs;
  pendingLogs = [];
  pendingChars = 0;
  return logs;
};
const flushLogs = () => {
  if (pendingLogs.length > 0) parentPort.postMessage({ logs: takeLogs() });
};
for (const stream of [process.stdout, process.stderr]) {
  stream.write = (chunk, encoding, callback) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    pendingLogs.push(text);
    pendingChars += text.length;
    if (pendingChars >= LOG_FLUSH_CHARS) flushLogs();
    else flushTimer ??= setTimeout(flushLogs, LOG_FLUSH_MS);
    const done = typeof encoding === 'function' ? encoding : callback;
    if (done) process.nextTick(done);
    return true;
  };
}

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
parentPort.postMessage({ initialized: true, logs: takeLogs() });

const describe = (error) => ({
  errorType: (error && error.name) || 'Error',
  errorMessage: (error && error.message) || String(error),
  trace: String((error && error.stack) || '').split('\n'),
});

// One invocation at a time: the runtime may send the next while this one runs, and it waits here until then.
const queued = [];
let running = false;
parentPort.on('message', async (message) => {
  queued.push(message);
  if (running) return;
  running = true;
  while (queued.length > 0) await invoke(queued.shift());
  running = false;
});

async function invoke({ id, eventJson, context }) {
  // An environment whose initialisation failed is thrown away, as Lambda does, and the next one retries.
  if (initError) return parentPort.postMessage({ id, error: initError, initFailed: true, logs: takeLogs() });
  const deadline = Date.now() + context.remainingMs;
  const lambdaContext = {
    ...context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(JSON.parse(eventJson), lambdaContext);
    const payload = JSON.stringify(result === undefined ? null : result);
    parentPort.postMessage({ id, payload, logs: takeLogs() });
  } catch (error) {
    parentPort.postMessage({ id, error: describe(error), logs: takeLogs() });
  }
}
