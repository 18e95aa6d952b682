// One Lambda execution environment: loads a built bundle the way the nodejs runtime does and runs one
// invocation at a time. Plain JavaScript because it runs in a bare worker thread, as Lambda runs bundles.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { Buffer } = require('node:buffer');
const { setTimeout, clearTimeout } = require('node:timers');
const { getPriority, setPriority } = require('node:os');
const { getHeapStatistics } = require('node:v8');
const { loadHandler } = require('./handler-loader.js');
const { patchConsole } = require('./runtime-console.js');
const { UnhandledPromiseRejection, postedError } = require('./runtime-errors.js');

// Linux keeps a nice value per thread, so this lowers this environment's priority alone; elsewhere it would
// lower the whole stage's, so it is left as it is. Raising one's own nice value needs no privilege.
if (process.platform === 'linux') setPriority(Math.min(19, getPriority() + workerData.niceness));

if ((process.env.NODE_OPTIONS ?? '').includes('--enable-source-maps')) process.setSourceMapsEnabled(true);

// What the code writes to stdout and stderr, and each console call, reaches the runtime in batches: with an
// invocation's answer, or within LOG_FLUSH_MS, or at LOG_FLUSH_CHARS. A worker's own stdout posts every write
// to the main thread on its own and waits to be asked for more: about 7 % of a GetCompany invocation's
// process CPU, measured.
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
const writeLog = (entry, chars) => {
  pendingLogs.push(entry);
  pendingChars += chars;
  if (pendingChars >= LOG_FLUSH_CHARS) flushLogs();
  else flushTimer ??= setTimeout(flushLogs, LOG_FLUSH_MS);
};
for (const stream of [process.stdout, process.stderr]) {
  stream.write = (chunk, encoding, callback) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    writeLog({ at: Date.now(), chunk: text }, text.length);
    const done = typeof encoding === 'function' ? encoding : callback;
    if (done) process.nextTick(done);
    return true;
  };
}
// A process.exit() from the code ends this thread at once: what it wrote up to then still reaches the log.
process.on('exit', flushLogs);

// The request id the runtime holds for its log lines: the latest invocation's, until the next one begins.
let requestId;
const runtimeConsole = patchConsole({ write: writeLog, requestId: () => requestId });
// Lambda's context reads these from the environment Lambda set, whatever the code does to process.env later.
const { AWS_LAMBDA_LOG_GROUP_NAME: logGroupName, AWS_LAMBDA_LOG_STREAM_NAME: logStreamName } = process.env;

// The environment's memory for Lambda's "Max Memory Used": the V8 heap it has committed, and memory outside
// the heap that V8 knows of (Buffers). An approximation of Lambda's figure, which is the whole sandbox's and
// includes the runtime itself. Sampled at most every HEAP_SAMPLE_MS: a sample costs about 4 µs, 0.4 % of a
// GetCompany invocation, and the heap a peak committed is seldom returned within that time.
const HEAP_SAMPLE_MS = 100;
let heapSampledAt = -Infinity;
const heapSample = () => {
  const now = Date.now();
  if (now - heapSampledAt < HEAP_SAMPLE_MS) return undefined;
  heapSampledAt = now;
  const heap = getHeapStatistics();
  return heap.total_heap_size + heap.external_memory;
};

// An error nothing awaited ends the environment as the Node.js runtime ends it (AWS's runtime interface client,
// src/index.mjs and src/Runtime.js): it logs the error, posts it for the invocation it holds (during init, as
// the init's error) and exits, 129 for an uncaught exception and 128 for an unhandled rejection, so that Lambda
// resets the environment. The nodejs22.x runtime loads the handler in a top-level await, so a failure to load
// it reaches the same listener: the log shows it as an "Uncaught Exception" with no request id.
let initialized = false;
function exitWith(label, error, exitCode) {
  runtimeConsole.logError(label, error);
  if (initialized) parentPort.postMessage({ id: requestId, crashed: true, error: postedError(error), logs: takeLogs(), heapBytes: heapSample() });
  else parentPort.postMessage({ initialized: true, initError: postedError(error), logs: takeLogs() });
  process.exit(exitCode);
}
process.on('uncaughtException', (error) => exitWith('Uncaught Exception', error, 129));
process.on('unhandledRejection', (reason) => exitWith('Unhandled Promise Rejection', new UnhandledPromiseRejection(reason), 128));

let handler;
try {
  handler = loadHandler(workerData.bundleDir, workerData.handler);
} catch (error) {
  exitWith('Uncaught Exception', error, 129);
}
initialized = true;
parentPort.postMessage({ initialized: true, logs: takeLogs(), heapBytes: heapSample() });

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
  requestId = id;
  const deadline = Date.now() + context.remainingMs;
  const lambdaContext = {
    ...context,
    logGroupName,
    logStreamName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(JSON.parse(eventJson), lambdaContext);
    const payload = JSON.stringify(result === undefined ? null : result);
    parentPort.postMessage({ id, payload, logs: takeLogs(), heapBytes: heapSample() });
  } catch (error) {
    // A handler that throws or rejects: the runtime logs it, posts it, and the environment goes on.
    runtimeConsole.logError('Invoke Error', error);
    parentPort.postMessage({ id, error: postedError(error), logs: takeLogs(), heapBytes: heapSample() });
  }
}
