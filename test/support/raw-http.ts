import { request } from 'node:http';
import { connect } from 'node:net';

/**
 * HTTP as a hostile client sends it: the request target exactly as given (no URL normalisation), any header
 * name, and for the socket-level cases a connection written by hand.
 */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: unknown;
}

const parse = (text: string) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

export function rawRequest(baseUrl: string, method: string, target: string, options: { headers?: Array<[string, string]>; body?: string | Buffer } = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers = [['Host', `${hostname}:${port}`], ...(options.headers ?? [])].flat();
    const req = request({ hostname, port, method, path: target, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text, body: parse(text) }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Writes `head` at once, then each of `trickle` after `everyMs`, and answers what the server sends back and when. */
export function slowRequest(baseUrl: string, head: string, trickle: string[], everyMs: number): Promise<{ raw: string; afterMs: number }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname, () => socket.write(head));
    let raw = '';
    let next = 0;
    const timer = setInterval(() => {
      if (next < trickle.length && !socket.destroyed) socket.write(trickle[next++]!);
    }, everyMs);
    socket.on('data', (chunk) => (raw += chunk.toString('utf8')));
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ raw, afterMs: Date.now() - started });
    });
    socket.on('error', (error) => {
      clearInterval(timer);
      if (raw) resolve({ raw, afterMs: Date.now() - started });
      else reject(error);
    });
  });
}
