import { createServer, type IncomingMessage, request } from 'node:http';

/**
 * An HTTP proxy in front of the local API that tells the company journey's steps, and the passes they
 * belong to, apart from the requests alone, and answers the steps a test chooses as a misbehaving API would.
 */

export type JourneyStep =
  | 'CreateCompany'
  | 'GetCompany'
  | 'ListCompanies'
  | 'UpdateCompany'
  | 'StaleUpdate'
  | 'DeleteCompany'
  | 'GetDeletedCompany'
  /** A failed pass's delete of its company, by id. */
  | 'CleanUp'
  /** A failed pass's search by name for the company a failed create may have stored. */
  | 'CleanUpLookup';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface StepRequest {
  step: JourneyStep;
  /** The pass the request was made for. */
  pass: number;
  /** Requests for this step in this pass so far, this one included. */
  attempt: number;
  /** Requests for this step in the whole journey so far, this one included. */
  nth: number;
}

/** How a step is answered instead of by the API; `forward` asks the API. */
export type Fault = (forward: () => Promise<Answer>, request: StepRequest) => Answer | Promise<Answer>;

export interface Seen {
  step: JourneyStep;
  pass: number;
  status: number;
  /** The company the request named in its path, or for a create the one the API stored. */
  companyId?: string;
}

export interface FaultProxy {
  url: string;
  /** Starts over for a new journey: forgets what it saw and applies these faults from now on. */
  reset(faults?: Partial<Record<JourneyStep, Fault>>): void;
  /** Each request in the order answered. */
  readonly seen: Seen[];
  /** Requests answered for this step, in this pass or in all of them. */
  attempts(step: JourneyStep, pass?: number): number;
  /** The most requests the journey had waiting for an answer at one time. */
  readonly peakInFlight: number;
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

/** Applies `fault` to each pass's first attempt at the step only; the API answers the others. */
export const once =
  (fault: Fault): Fault =>
  (forward, req) =>
    req.attempt === 1 ? fault(forward, req) : forward();

/** Applies `fault` in this pass only; the API answers the other passes. */
export const inPass =
  (pass: number, fault: Fault): Fault =>
  (forward, req) =>
    req.pass === pass ? fault(forward, req) : forward();

/** Applies `fault` to the step's every n-th request of the journey (the n-th, the 2n-th, …); the API answers the others. */
export const everyNth =
  (n: number, fault: Fault): Fault =>
  (forward, req) =>
    req.nth % n === 0 ? fault(forward, req) : forward();

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

/** The journey names each pass's company "Company journey <execution> (pass <n>)", and lists it by that name. */
const PASS_IN_NAME = /\(pass (\d+)\)/;

/** The companyId of a JSON answer, if it has one. */
function companyIdOf(answer: Answer): string | undefined {
  try {
    const { companyId } = JSON.parse(answer.body) as { companyId?: unknown };
    return typeof companyId === 'string' ? companyId : undefined;
  } catch {
    return undefined;
  }
}

const succeeded = (answer: Answer) => answer.status >= 200 && answer.status < 300;

/** Where one pass is in its journey, as far as the proxy has seen. */
interface PassProgress {
  /** The create was answered with a company, so a failure from here on deletes it by id. */
  created: boolean;
  updated: boolean;
  deleted: boolean;
}

export async function startFaultProxy(apiUrl: string): Promise<FaultProxy> {
  let faults: Partial<Record<JourneyStep, Fault>> = {};
  const progress = new Map<number, PassProgress>();
  const passOfCompany = new Map<string, number>();
  const arrivals = new Map<string, number>();
  const seen: Seen[] = [];
  let inFlight = 0;
  let peakInFlight = 0;

  const count = (key: string) => {
    const n = (arrivals.get(key) ?? 0) + 1;
    arrivals.set(key, n);
    return n;
  };

  function passOf(pathname: string, searchParams: URLSearchParams, body: Buffer): { pass: number; companyId?: string } {
    if (pathname === '/companies') {
      const name = searchParams.get('namePrefix') ?? (JSON.parse(body.toString('utf8') || '{}') as { name?: string }).name ?? '';
      const pass = PASS_IN_NAME.exec(name)?.[1];
      if (pass) return { pass: Number(pass) };
    } else {
      const companyId = decodeURIComponent(pathname.slice('/companies/'.length));
      const pass = passOfCompany.get(companyId);
      if (pass !== undefined) return { pass, companyId };
    }
    throw new Error(`no journey pass made ${pathname}?${searchParams}`);
  }

  // Within a pass, the journey's order tells its two PUTs and its two GETs of the company apart, and a list
  // before the create was answered with a company is the cleanup's; only the cleanup deletes without If-Match.
  function stepOf(req: IncomingMessage, pathname: string, pass: PassProgress): JourneyStep {
    const method = req.method ?? 'GET';
    if (pathname === '/companies') return method === 'POST' ? 'CreateCompany' : pass.created ? 'ListCompanies' : 'CleanUpLookup';
    if (method === 'PUT') return pass.updated ? 'StaleUpdate' : 'UpdateCompany';
    if (method === 'DELETE') return req.headers['if-match'] ? 'DeleteCompany' : 'CleanUp';
    return pass.deleted ? 'GetDeletedCompany' : 'GetCompany';
  }

  async function answer(req: IncomingMessage, body: Buffer): Promise<Answer> {
    const { pathname, searchParams } = new URL(req.url ?? '/', 'http://proxy');
    const { pass, companyId } = passOf(pathname, searchParams, body);
    const state = progress.get(pass) ?? { created: false, updated: false, deleted: false };
    progress.set(pass, state);
    const step = stepOf(req, pathname, state);
    const attempt = count(`${step} ${pass}`);
    const nth = count(step);
    let stored: string | undefined;
    const forward = async () => {
      const upstream = await forwardTo(apiUrl, req, body);
      // The company the API stored, whatever the journey is answered: the cleanup may find it by name.
      if (step === 'CreateCompany' && succeeded(upstream)) {
        stored = companyIdOf(upstream);
        if (stored) passOfCompany.set(stored, pass);
      }
      return upstream;
    };
    const fault = faults[step];
    const answered = fault ? await fault(forward, { step, pass, attempt, nth }) : await forward();
    seen.push({ step, pass, status: answered.status, companyId: companyId ?? stored });
    if (step === 'CreateCompany' && succeeded(answered) && companyIdOf(answered)) state.created = true;
    if (step === 'UpdateCompany' && succeeded(answered)) state.updated = true;
    if (step === 'DeleteCompany' && succeeded(answered)) state.deleted = true;
    return answered;
  }

  const server = createServer(async (req, res) => {
    peakInFlight = Math.max(peakInFlight, ++inFlight);
    try {
      const answered = await answer(req, await readBody(req));
      res.writeHead(answered.status, { ...answered.headers, 'content-length': Buffer.byteLength(answered.body) });
      res.end(answered.body);
    } catch (error) {
      res.writeHead(599, { 'content-type': 'text/plain' });
      res.end(`fault proxy: ${String(error)}`);
    } finally {
      inFlight--;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    get peakInFlight() {
      return peakInFlight;
    },
    attempts: (step, pass) => seen.filter((s) => s.step === step && (pass === undefined || s.pass === pass)).length,
    reset(next = {}) {
      faults = next;
      progress.clear();
      passOfCompany.clear();
      arrivals.clear();
      seen.length = 0;
      peakInFlight = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
