import { createServer, type IncomingMessage, request } from 'node:http';

/**
 * An HTTP proxy in front of the local API that tells the company journey's steps apart from the requests
 * alone, and answers the steps a test chooses as a misbehaving API would.
 */

export type JourneyStep =
  | 'CreateCompany'
  | 'GetCompany'
  | 'ListCompanies'
  | 'UpdateCompany'
  | 'StaleUpdate'
  | 'DeleteCompany'
  | 'GetDeletedCompany'
  | 'CleanUp';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** How a step is answered instead of by the API; `forward` asks the API. Attempts count from 1. */
export type Fault = (forward: () => Promise<Answer>, attempt: number) => Answer | Promise<Answer>;

export interface FaultProxy {
  url: string;
  /** Starts over for a new journey: forgets what it saw and applies these faults from now on. */
  reset(faults?: Partial<Record<JourneyStep, Fault>>): void;
  /** Each request in order: the step it was taken for, and the status it was answered. */
  readonly seen: { step: JourneyStep; status: number }[];
  attempts(step: JourneyStep): number;
  stop(): Promise<void>;
}

/** Answers with this status and a problem body, never reaching the API. */
export const answerStatus =
  (status: number): Fault =>
  () => ({ status, headers: { 'content-type': 'application/problem+json' }, body: JSON.stringify({ type: 'urn:test:injected', title: 'Injected', status }) });

/** Answers with this status and JSON body, never reaching the API. */
export const answerJson =
  (status: number, json: unknown): Fault =>
  () => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });

/** Applies `fault` to the first attempt only; the API answers the others. */
export const once =
  (fault: Fault): Fault =>
  (forward, attempt) =>
    attempt === 1 ? fault(forward, attempt) : forward();

/** Asks the API, then changes its JSON answer. */
export const rewrite =
  (change: (answer: Answer & { json: Record<string, unknown> }) => Partial<Answer> & { json?: unknown }): Fault =>
  async (forward) => {
    const answer = await forward();
    const { json, ...changed } = change({ ...answer, json: JSON.parse(answer.body) });
    return { ...answer, ...changed, ...(json === undefined ? {} : { body: JSON.stringify(json) }) };
  };

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Headers that describe one hop's framing, which the proxy redoes. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

function forwardTo(apiUrl: string, req: IncomingMessage, body: Buffer): Promise<Answer> {
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !HOP_HEADERS.has(name)));
  return new Promise((resolve, reject) => {
    const upstream = request(new URL(req.url ?? '/', apiUrl), { method: req.method, headers }, (res) => {
      readBody(res).then((answerBody) => {
        const answerHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (!HOP_HEADERS.has(name) && value !== undefined) answerHeaders[name] = String(value);
        }
        resolve({ status: res.statusCode ?? 502, headers: answerHeaders, body: answerBody.toString('utf8') });
      }, reject);
    });
    upstream.on('error', reject);
    upstream.end(body);
  });
}

export async function startFaultProxy(apiUrl: string): Promise<FaultProxy> {
  let faults: Partial<Record<JourneyStep, Fault>> = {};
  let updated = false;
  let deleted = false;
  const seen: { step: JourneyStep; status: number }[] = [];
  const attempts = (step: JourneyStep) => seen.filter((s) => s.step === step).length;

  // The journey's order tells its two PUTs and its two GETs of the company apart; only the cleanup deletes without If-Match.
  function stepOf(req: IncomingMessage): JourneyStep {
    const { pathname } = new URL(req.url ?? '/', 'http://proxy');
    const method = req.method ?? 'GET';
    if (pathname === '/companies') return method === 'POST' ? 'CreateCompany' : 'ListCompanies';
    if (method === 'PUT') return updated ? 'StaleUpdate' : 'UpdateCompany';
    if (method === 'DELETE') return req.headers['if-match'] ? 'DeleteCompany' : 'CleanUp';
    return deleted ? 'GetDeletedCompany' : 'GetCompany';
  }

  const server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const step = stepOf(req);
      const fault = faults[step];
      const forward = () => forwardTo(apiUrl, req, body);
      const answer = fault ? await fault(forward, attempts(step) + 1) : await forward();
      seen.push({ step, status: answer.status });
      const succeeded = answer.status >= 200 && answer.status < 300;
      if (succeeded && step === 'UpdateCompany') updated = true;
      if (succeeded && step === 'DeleteCompany') deleted = true;
      res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
      res.end(answer.body);
    } catch (error) {
      res.writeHead(599, { 'content-type': 'text/plain' });
      res.end(`fault proxy: ${String(error)}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    attempts,
    reset(next = {}) {
      faults = next;
      updated = false;
      deleted = false;
      seen.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
