import { createServer, request, type Server } from 'node:http';
import { listenOnLoopback } from '../../local/net';

/**
 * A proxy in front of DynamoDB Local that fails a share of the item calls, below the functions, so that every
 * version of a function suffers alike: the transient trouble a good canary must not be punished for. The
 * failure is one the SDK does not retry (a ValidationException), so it reaches the function's caller.
 * Table management (CreateTable, DescribeTable, UpdateTable…) always passes: it is the stage setting itself
 * up, not traffic, and one failure there ended a whole 50-rehearsal bench at its 23rd rehearsal.
 */
export interface FaultProxy {
  url: string;
  /** Item calls seen, each of which the proxy could fail. */
  calls: number;
  failed: number;
  stop(): Promise<void>;
}

const ITEM_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);

/** The operation of a DynamoDB JSON-protocol request, named by its X-Amz-Target (`DynamoDB_20120810.GetItem`). */
const operationOf = (target: string | string[] | undefined) => String(target ?? '').split('.').pop() ?? '';

export async function startDynamoDbFaultProxy(target: string, failureShare: number): Promise<FaultProxy> {
  const upstream = new URL(target);
  const proxy: FaultProxy = { url: '', calls: 0, failed: 0, stop: async () => undefined };
  const server: Server = createServer((req, res) => {
    const itemCall = ITEM_OPERATIONS.has(operationOf(req.headers['x-amz-target']));
    if (itemCall) proxy.calls++;
    if (itemCall && Math.random() < failureShare) {
      proxy.failed++;
      req.resume();
      res.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'com.amazon.coral.validate#ValidationException', message: 'Injected fault' }));
      return;
    }
    const forward = request({ hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  proxy.url = await listenOnLoopback(server);
  proxy.stop = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return proxy;
}
