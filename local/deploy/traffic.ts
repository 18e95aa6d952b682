import { randomUUID } from 'node:crypto';

/**
 * A steady stream of realistic API use during a rehearsal, because alarms judge nothing without traffic:
 * creates, reads, listings, updates with the ETag, deletes, at a fixed rate. It works only on companies it
 * made itself, and deletes all of them when it stops.
 */
export interface Traffic {
  /**
   * Resolves once the stage keeps up, a whole second without a failure or a request shed, as a stage in
   * service would before a deployment; answers false if it still struggles after `withinMs`.
   */
  warmedUp(withinMs: number): Promise<boolean>;
  /**
   * Stops, deletes every company it made, and counts: `shed`, ticks skipped while saturated; `left`, its
   * companies still in the table (unknown when the API would not list them).
   */
  stop(): Promise<{ sent: number; failed: number; shed: number; left: number | 'unknown' }>;
}

interface OwnCompany {
  companyId: string;
  version: number;
}

const MIX: Array<[Operation, number]> = [
  ['create', 0.2],
  ['get', 0.35],
  ['list', 0.2],
  ['update', 0.15],
  ['delete', 0.1],
];
export type Operation = 'create' | 'get' | 'list' | 'update' | 'delete';
/** The API operation behind each kind of request. */
export const OPERATION_IDS: Record<Operation, string> = { create: 'createCompany', get: 'getCompany', list: 'listCompanies', update: 'updateCompany', delete: 'deleteCompany' };
/** With a focus, this share of the requests go to it; the rest follow the mix, which keeps companies to read. */
const FOCUS_SHARE = 0.8;
/** Enough companies to read and update, few enough to clean up in a moment. */
const POOL_LIMIT = 40;
const REQUEST_TIMEOUT_MS = 10_000;
/** More requests waiting than this means the stage is saturated: further ticks are shed, not queued. */
const MAX_IN_FLIGHT = 64;

/** `rps` requests per second, in the mix, or mostly to the operations of `focus` when there is one. */
export function startTraffic(apiUrl: string, rps: number, focus: Operation[] = []): Traffic {
  /** Begins the name of every company this traffic makes, so that a prefix listing finds them all again, and only them. */
  const tag = `Traffic company run ${randomUUID().slice(0, 8)}`;
  const pool: OwnCompany[] = [];
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let failed = 0;
  let shed = 0;

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    sent++;
    const response = await fetch(apiUrl + path, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    }).catch(() => undefined);
    if (!response || response.status >= 500) failed++;
    const json: { companyId?: string; version?: number } | undefined =
      response && response.status < 300 && response.status !== 204 ? ((await response.json().catch(() => undefined)) as { companyId?: string; version?: number }) : undefined;
    return { status: response?.status ?? 0, json };
  }

  /** Every company of this run still in the table, listed through the API; undefined when it cannot list. */
  async function ownCompanies(): Promise<string[] | undefined> {
    const found: string[] = [];
    let nextToken: string | undefined;
    do {
      const url = `${apiUrl}/companies?limit=100&namePrefix=${encodeURIComponent(tag)}${nextToken ? `&nextToken=${encodeURIComponent(nextToken)}` : ''}`;
      let response: Response | undefined;
      for (let attempt = 0; attempt < 3 && response?.status !== 200; attempt++) response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }).catch(() => undefined);
      if (response?.status !== 200) return undefined;
      const page = (await response.json()) as { items: Array<{ companyId: string }>; nextToken?: string };
      found.push(...page.items.map((c) => c.companyId));
      nextToken = page.nextToken;
    } while (nextToken);
    return found;
  }

  const pick = (): Operation => {
    if (pool.length === 0) return 'create';
    if (focus.length > 0 && Math.random() < FOCUS_SHARE) return focus[Math.floor(Math.random() * focus.length)]!;
    if (pool.length >= POOL_LIMIT) return 'delete';
    let draw = Math.random();
    for (const [operation, share] of MIX) if ((draw -= share) < 0) return operation;
    return 'get';
  };

  async function one(): Promise<void> {
    const operation = pick();
    const company = pool[Math.floor(Math.random() * pool.length)];
    switch (operation) {
      case 'create': {
        const name = `${tag} ${Math.random().toString(36).slice(2, 8)}`;
        // As careful clients create: with a key, so that a retried create makes one company.
        const { json } = await call('POST', '/companies', { name, employees: Math.floor(Math.random() * 5000), ticker: 'TRFC3' }, { 'Idempotency-Key': randomUUID() });
        if (json?.companyId && json.version) pool.push({ companyId: json.companyId, version: json.version });
        return;
      }
      case 'get':
        await call('GET', `/companies/${company!.companyId}`);
        return;
      case 'list':
        await call('GET', '/companies?limit=10');
        return;
      case 'update': {
        const { status, json } = await call('PUT', `/companies/${company!.companyId}`, { name: `${tag} renamed`, employees: company!.version }, { 'If-Match': `"${company!.version}"` });
        if (status === 200 && json?.version) company!.version = json.version;
        return;
      }
      case 'delete':
        pool.splice(pool.indexOf(company!), 1);
        await call('DELETE', `/companies/${company!.companyId}`);
        return;
    }
  }

  const timer = setInterval(() => {
    if (inFlight.size >= MAX_IN_FLIGHT) {
      shed++;
      return;
    }
    const request = one().finally(() => inFlight.delete(request));
    inFlight.add(request);
  }, 1000 / rps);

  return {
    async warmedUp(withinMs) {
      const deadline = Date.now() + withinMs;
      for (;;) {
        const before = { sent, failed, shed };
        await new Promise((resolve) => setTimeout(resolve, 1000));
        if (sent > before.sent && failed === before.failed && shed === before.shed) return true;
        if (Date.now() >= deadline) return false;
      }
    },
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      // The stage is quiet now. Under load a create may have made its company yet answered nothing, a delete
      // may have failed: the run's tag finds whatever is left, whichever way it got there.
      await Promise.all(pool.splice(0).map((c) => call('DELETE', `/companies/${c.companyId}`)));
      let left = await ownCompanies();
      for (let sweep = 0; sweep < 3 && left && left.length > 0; sweep++) {
        await Promise.all(left.map((companyId) => call('DELETE', `/companies/${companyId}`)));
        left = await ownCompanies();
      }
      return { sent, failed, shed, left: left?.length ?? 'unknown' };
    },
  };
}
