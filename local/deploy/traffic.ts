/**
 * A steady stream of realistic API use during a rehearsal, because alarms judge nothing without traffic:
 * creates, reads, listings, updates with the ETag, deletes, at a fixed rate. It works only on companies it
 * made itself, and deletes all of them when it stops.
 */
export interface Traffic {
  stop(): Promise<{ sent: number; failed: number }>;
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
type Operation = 'create' | 'get' | 'list' | 'update' | 'delete';
/** Enough companies to read and update, few enough to clean up in a moment. */
const POOL_LIMIT = 40;
const REQUEST_TIMEOUT_MS = 10_000;

export function startTraffic(apiUrl: string, rps: number): Traffic {
  const pool: OwnCompany[] = [];
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let failed = 0;

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

  const pick = (): Operation => {
    if (pool.length === 0) return 'create';
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
        const name = `Traffic company ${Math.random().toString(36).slice(2, 8)}`;
        const { json } = await call('POST', '/companies', { name, employees: Math.floor(Math.random() * 5000), ticker: 'TRFC3' });
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
        const { status, json } = await call('PUT', `/companies/${company!.companyId}`, { name: 'Traffic company renamed', employees: company!.version }, { 'If-Match': `"${company!.version}"` });
        if (status === 200 && json?.version) company!.version = json.version;
        return;
      }
      case 'delete': {
        pool.splice(pool.indexOf(company!), 1);
        await call('DELETE', `/companies/${company!.companyId}`);
        return;
      }
    }
  }

  const timer = setInterval(() => {
    const request = one().finally(() => inFlight.delete(request));
    inFlight.add(request);
  }, 1000 / rps);

  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      const leftovers = pool.splice(0);
      await Promise.all(leftovers.map((c) => call('DELETE', `/companies/${c.companyId}`)));
      return { sent, failed };
    },
  };
}
