import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { CanaryFunction, StackView } from '../stack';
import type { Target } from '../target';
import { dashboardPage } from './page';
import { snapshotReader } from './snapshot';

/**
 * `dashboard`: the status as a web page that redraws itself, served from this process on 127.0.0.1 only.
 * The page shows the operator's AWS account, and any local process or any page in a browser can reach a
 * loopback port, so every request must carry the secret in the printed URL (its first path segment), name
 * this address in Host (a page on a hostname rebound to 127.0.0.1 sends its own), and be a GET. Every
 * answer forbids other sources, sniffing, framing, caching and referrers.
 */
const LOOPBACK = '127.0.0.1';
/** Long enough for any real client; a client trickling bytes cannot hold a connection for long. */
const TIMEOUTS = { headersTimeout: 10_000, requestTimeout: 30_000 };

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
const NOTHING_ALLOWED = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const digest = (text: string) => createHash('sha256').update(text).digest();
/** Compares digests, of equal length whatever was sent, so the time taken tells nothing of the token. */
const tokenMatches = (presented: string, token: string) => timingSafeEqual(digest(presented), digest(token));

export interface DashboardOptions {
  /** 0 for any free port. */
  port: number;
  say: (line: string) => void;
}

/** Serves the dashboard until SIGINT or SIGTERM, then closes every connection and resolves. */
export async function serveDashboard(target: Target, stack: StackView, functions: CanaryFunction[], options: DashboardOptions): Promise<void> {
  const token = randomBytes(32).toString('base64url');
  const page = dashboardPage();
  const snapshot = snapshotReader(target, stack, functions);
  let host = '';
  const server = createServer(TIMEOUTS, (req, res) => answer(req, res));

  function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}) {
    res.writeHead(status, { ...COMMON_HEADERS, 'Content-Security-Policy': NOTHING_ALLOWED, 'Content-Type': type, ...headers }).end(body);
  }
  const refuse = (res: ServerResponse, status: number, message: string, headers?: Record<string, string>) =>
    send(res, status, 'text/plain; charset=utf-8', `${message}\n`, headers);

  async function answer(req: IncomingMessage, res: ServerResponse) {
    if (req.headers.host !== host) return refuse(res, 421, `This server answers only as ${host}.`);
    if (req.method !== 'GET') return refuse(res, 405, 'Only GET.', { Allow: 'GET' });
    const [, presented = '', rest] = /^\/([^/?]*)(\/[^?]*)?/.exec(req.url ?? '') ?? [];
    if (!tokenMatches(presented, token)) return refuse(res, 403, 'Open the URL the dashboard printed: it holds its secret.');
    if (rest === '/') return send(res, 200, 'text/html; charset=utf-8', page.html, { 'Content-Security-Policy': page.csp });
    if (rest !== '/status.json') return refuse(res, 404, 'Not found.');
    try {
      send(res, 200, 'application/json; charset=utf-8', JSON.stringify(await snapshot()));
    } catch (error) {
      send(res, 502, 'application/json; charset=utf-8', JSON.stringify({ error: `${(error as Error).name}: ${(error as Error).message}` }));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, LOOPBACK, () => resolve());
  });
  host = `${LOOPBACK}:${(server.address() as { port: number }).port}`;
  options.say(`dashboard of ${target.label}: http://${host}/${token}/`);
  options.say('Ctrl-C stops it.');
  await new Promise<void>((resolve) => {
    // Kept to the end: a signal sent to the whole process group (Ctrl-C) may come twice, through tsx as well.
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      options.say(`${signal}: dashboard stopped`);
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.on('SIGINT', stop).on('SIGTERM', stop);
  });
}
