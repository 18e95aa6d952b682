import { createServer, request, type Server } from 'node:http';
import { listenOnLoopback } from '../../local/net';

/**
 * A proxy in front of DynamoDB Local that fails a share of the calls, below the functions, so that every
 * version of a function suffers alike: the transient trouble a good canary must not be punished for. The
 * failure is one the SDK does not retry (a ValidationException), so it reaches the function's caller.
 */
export interface FaultProxy {
  url: string;
  calls: number;
  failed: number;
  stop(): Promise<void>;
}

export async function startDynamoDbFaultProxy(target: string, failureShare: number): Promise<FaultProxy> {
  const upstream = new URL(target);
  const proxy: FaultProxy = { url: '', calls: 0, failed: 0, stop: async () => undefined };
  const server: Server = createServer((req, res) => {
    proxy.calls++;
    if (Math.random() < failureShare) {
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
