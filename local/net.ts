import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer } from 'node:net';

/** A port the OS says is free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * How long a local server waits for a client: for its request headers, and for the whole request. API
 * Gateway documents no such limits, only the 29 s integration timeout; these are assumptions, long enough
 * for any real client and short enough that a client trickling bytes cannot hold a connection for long.
 */
export interface RequestTimeouts {
  headersMs: number;
  requestMs: number;
}
export const REQUEST_TIMEOUTS: RequestTimeouts = { headersMs: 10_000, requestMs: 30_000 };

/** An HTTP server that drops clients too slow to send their request (Node answers them 408). */
export function localServer(listener: RequestListener, timeouts: RequestTimeouts = REQUEST_TIMEOUTS, options: { requireHostHeader?: boolean } = {}): Server {
  return createHttpServer(
    {
      ...options,
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      // Node checks the two timeouts on this interval; its default of 30 s would let a slow client run over by that much.
      connectionsCheckingInterval: Math.min(1_000, timeouts.headersMs / 4),
    },
    listener,
  );
}

/** Listens on 127.0.0.1 only (the stage is for this machine), and answers the server's URL. */
export function listenOnLoopback(server: Server, port = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`));
  });
}
