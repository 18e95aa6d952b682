import { randomUUID } from 'node:crypto';
import { expectSchema } from './support/contract-schemas';
import { apiClient, type ApiResponse } from './support/http';
import { startTestStage } from './support/local-parts';

/** The Company API end to end over real HTTP: local API Gateway → built bundles → DynamoDB Local. */

let stage: Awaited<ReturnType<typeof startTestStage>>;
let call: ReturnType<typeof apiClient>;

beforeAll(async () => {
  stage = await startTestStage('api');
  call = apiClient(stage.url);
});
afterAll(() => stage.stop());

const acme = { name: 'Acme Corp', employees: 120, ticker: 'PETR4', location: 'Rio de Janeiro', description: 'Energy' };

async function create(fields: Record<string, unknown> = acme) {
  const response = await call('POST', '/companies', { json: fields });
  expect(response.status).toBe(201);
  return response.body;
}

function expectProblem(response: ApiResponse, status: number, type: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(response.body.type).toBe(`urn:company-canary:problem:${type}`);
  expect(typeof response.body.title).toBe('string');
  expect(response.body.status).toBe(status);
  expectSchema('Problem', response.body);
}

describe('create and read', () => {
  it('POST stores the company and answers 201 with Location and ETag', async () => {
    const response = await call('POST', '/companies', { json: { ...acme, name: '  Acme Corp  ' } });
    expect(response.status).toBe(201);
    expectSchema('Company', response.body);
    expect(response.body).toMatchObject({ ...acme, version: 1 });
    expect(response.body.createdAt).toBe(response.body.updatedAt);
    expect(response.headers.get('location')).toBe(`/companies/${response.body.companyId}`);
    expect(response.headers.get('etag')).toBe('"1"');

    const read = await call('GET', `/companies/${response.body.companyId}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(response.body);
    expect(read.headers.get('etag')).toBe('"1"');
  });

  it('optional fields may be left out', async () => {
    const company = await create({ name: 'Minimal', employees: 0 });
    expect(company).toEqual(expect.not.objectContaining({ ticker: expect.anything() }));
    expectSchema('Company', company);
  });

  it('GET of an unknown id is 404', async () => {
    expectProblem(await call('GET', `/companies/${randomUUID()}`), 404, 'company-not-found');
  });
});

describe('update', () => {
  it('PUT with the current ETag replaces the mutable fields and bumps the version', async () => {
    const company = await create();
    const response = await call('PUT', `/companies/${company.companyId}`, {
      json: { name: 'Acme Renamed', employees: 121 },
      headers: { 'If-Match': '"1"' },
    });
    expect(response.status).toBe(200);
    expectSchema('Company', response.body);
    expect(response.body).toMatchObject({ companyId: company.companyId, name: 'Acme Renamed', employees: 121, version: 2, createdAt: company.createdAt });
    expect(response.body.ticker).toBeUndefined();
    expect(response.headers.get('etag')).toBe('"2"');
    expect((await call('GET', `/companies/${company.companyId}`)).body).toEqual(response.body);
  });

  it('PUT without If-Match is 428, with a stale one 412, on an unknown id 404', async () => {
    const company = await create();
    const path = `/companies/${company.companyId}`;
    expectProblem(await call('PUT', path, { json: acme }), 428, 'precondition-required');
    expectProblem(await call('PUT', path, { json: acme, headers: { 'If-Match': '"7"' } }), 412, 'version-conflict');
    expectProblem(await call('PUT', `/companies/${randomUUID()}`, { json: acme, headers: { 'If-Match': '"1"' } }), 404, 'company-not-found');
    expect((await call('GET', path)).body).toEqual(company);
  });

  it('of 20 concurrent PUTs carrying the same version exactly one wins', async () => {
    const company = await create();
    const path = `/companies/${company.companyId}`;
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call('PUT', path, { json: { name: `Writer ${i}`, employees: i }, headers: { 'If-Match': '"1"' } })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(19);
    const winner = responses.find((r) => r.status === 200)!.body;
    const stored = (await call('GET', path)).body;
    expect(stored).toEqual(winner);
    expect(stored.version).toBe(2);
  });
});

describe('delete', () => {
  it('DELETE answers 204, then the company is gone (404)', async () => {
    const company = await create();
    const response = await call('DELETE', `/companies/${company.companyId}`);
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expectProblem(await call('GET', `/companies/${company.companyId}`), 404, 'company-not-found');
    expectProblem(await call('DELETE', `/companies/${company.companyId}`), 404, 'company-not-found');
  });

  it('DELETE honours an optional If-Match: stale is 412 and keeps the company, current deletes', async () => {
    const company = await create();
    const path = `/companies/${company.companyId}`;
    expectProblem(await call('DELETE', path, { headers: { 'If-Match': '"2"' } }), 412, 'version-conflict');
    expect((await call('GET', path)).status).toBe(200);
    expect((await call('DELETE', path, { headers: { 'If-Match': '"1"' } })).status).toBe(204);
  });
});

describe('create with an Idempotency-Key', () => {
  const companies = async () => JSON.parse(await stage.snapshot()) as Array<{ companyId: string; name: string }>;
  const post = (key: string, fields: Record<string, unknown>) => call('POST', '/companies', { json: fields, headers: { 'Idempotency-Key': key } });

  it('a retry with the same key and body answers the first 201 again and creates nothing more', async () => {
    const key = randomUUID();
    const first = await post(key, { name: 'Retried Ltd', employees: 5 });
    expect(first.status).toBe(201);
    const again = await call('POST', '/companies', { json: { employees: 5, name: 'Retried Ltd' }, headers: { 'idempotency-key': key } });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.headers.get('etag')).toBe('"1"');
    expect((await companies()).filter((c) => c.name === 'Retried Ltd')).toHaveLength(1);
  });

  it('the same key with another body is a 422 problem and creates nothing', async () => {
    const key = randomUUID();
    expect((await post(key, { name: 'Original Ltd', employees: 1 })).status).toBe(201);
    const before = await stage.snapshot();
    const reused = await post(key, { name: 'Other Ltd', employees: 1 });
    expectProblem(reused, 422, 'idempotency-key-reused');
    expect(reused.body.errors).toEqual([{ path: '/header/idempotency-key', message: 'was used before with another request body' }]);
    expect(await stage.snapshot()).toBe(before);
  });

  it('concurrent requests with one key create one company; the others get its 201 or a 409 to retry', async () => {
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(key, { name: 'Concurrent Ltd', employees: 2 })));
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThan(0);
    for (const answer of created) expect(answer.body).toEqual(created[0]!.body);
    for (const answer of answers.filter((a) => a.status !== 201)) expectProblem(answer, 409, 'request-in-progress');
    expect((await companies()).filter((c) => c.name === 'Concurrent Ltd')).toHaveLength(1);
    const retry = await post(key, { name: 'Concurrent Ltd', employees: 2 });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(created[0]!.body);
  });

  it('a refused request does not use its key up; without a key every POST creates', async () => {
    const key = randomUUID();
    expectProblem(await post(key, { name: '\u200b', employees: 1 }), 400, 'validation-failed');
    expect((await post(key, { name: 'Keyed Ltd', employees: 1 })).status).toBe(201);
    expect((await call('POST', '/companies', { json: { name: 'Unkeyed Ltd', employees: 1 } })).status).toBe(201);
    expect((await call('POST', '/companies', { json: { name: 'Unkeyed Ltd', employees: 1 } })).status).toBe(201);
    expect((await companies()).filter((c) => c.name === 'Unkeyed Ltd')).toHaveLength(2);
  });

  it.each([['empty', ''], ['too long', 'k'.repeat(256)], ['with a space', 'my key'], ['not ASCII', 'clé']])('refuses a key %s with a 400 problem', async (_, key) => {
    const before = await stage.snapshot();
    const response = await call('POST', '/companies', { json: { name: 'Bad Key Ltd', employees: 1 }, headers: { 'Idempotency-Key': key } });
    expectProblem(response, 400, 'validation-failed');
    expect(response.body.errors).toEqual([expect.objectContaining({ path: '/header/idempotency-key' })]);
    expect(await stage.snapshot()).toBe(before);
  });
});

describe('list', () => {
  const ids = (body: { items: Array<{ companyId: string }> }) => body.items.map((c) => c.companyId);
  const names = (body: { items: Array<{ name: string }> }) => body.items.map((c) => c.name);

  /** Every page of a listing, `limit` at a time, checked against the contract. */
  async function allPages(query: string, limit: number) {
    const pages: Array<{ items: Array<{ companyId: string; name: string }>; nextToken?: string }> = [];
    let nextToken: string | undefined;
    do {
      const response = await call('GET', `/companies?limit=${limit}${query}${nextToken ? `&nextToken=${nextToken}` : ''}`);
      expect(response.status).toBe(200);
      expectSchema('CompanyPage', response.body);
      expect(response.body.items.length).toBeGreaterThan(0);
      expect(response.body.items.length).toBeLessThanOrEqual(limit);
      pages.push(response.body);
      nextToken = response.body.nextToken;
    } while (nextToken);
    return pages;
  }

  it('pages through the whole table in name order without loss or duplicates', async () => {
    for (let i = 0; i < 23; i++) await create({ name: `Paged ${String.fromCharCode(90 - i)}${i % 2 ? 'x' : 'X'}`, employees: i });
    const stored: Array<{ companyId: string; name: string }> = JSON.parse(await stage.snapshot());
    const pages = await allPages('', 5);
    const seen = pages.flatMap(ids);
    expect(pages.length).toBeGreaterThan(3);
    expect(seen.length).toBe(new Set(seen).size);
    expect([...seen].sort()).toEqual(stored.map((c) => c.companyId).sort());
    // For plain ASCII names, name order is lower-case code-point order, ties by id.
    const ascii = pages.flatMap((page) => page.items).filter((c) => /^[\x20-\x7e]+$/.test(c.name));
    const byName = [...ascii].sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : a.companyId < b.companyId ? -1 : 1));
    expect(ascii.map((c) => c.companyId)).toEqual(byName.map((c) => c.companyId));
  });

  it('orders names ignoring case and accents, ties by id, and finds them by a prefix compared the same way', async () => {
    const run = `Ordered ${randomUUID().slice(0, 8)}`;
    const tails = ['Banana', 'apple', 'Apple', 'APPLE Inc', 'Émile', 'emile', 'Ábaco', 'abaco', 'Zürich Re', 'zeta', '한국 회사', '10x Labs', 'Ａcme', 'acme'];
    const made = new Map<string, string>();
    for (const tail of tails) made.set(tail, (await create({ name: `${run} ${tail}`, employees: 1 })).companyId);
    /** Names that fold alike, in id order. */
    const tie = (...alike: string[]) => alike.sort((a, b) => (made.get(a)! < made.get(b)! ? -1 : 1));
    const expected = [
      '10x Labs',
      ...tie('Ábaco', 'abaco'),
      ...tie('Ａcme', 'acme'),
      ...tie('apple', 'Apple'),
      'APPLE Inc',
      'Banana',
      ...tie('Émile', 'emile'),
      'zeta',
      'Zürich Re',
      '한국 회사',
    ].map((tail) => `${run} ${tail}`);
    const prefix = (text: string) => `&namePrefix=${encodeURIComponent(text)}`;

    expect((await allPages(prefix(run), 100)).flatMap(names)).toEqual(expected);
    // Paging across a prefix: the same order, every company once.
    expect((await allPages(prefix(run), 3)).flatMap(names)).toEqual(expected);
    expect((await allPages(prefix(`${run.toUpperCase()} APP`), 2)).flatMap(names)).toEqual(expected.slice(5, 8));
    expect((await allPages(prefix(`${run} apple `), 10)).flatMap(names)).toEqual([`${run} APPLE Inc`]);
    expect((await allPages(prefix(`${run} EMI`), 10)).flatMap(names)).toEqual(expected.slice(9, 11));
    expect((await allPages(prefix(`${run} Émi`), 10)).flatMap(names)).toEqual(expected.slice(9, 11));
    expect((await allPages(prefix(`${run} zu`), 10)).flatMap(names)).toEqual([`${run} Zürich Re`]);
    expect((await allPages(prefix(`${run} 한`), 10)).flatMap(names)).toEqual([`${run} 한국 회사`]);
    const none = await call('GET', `/companies?${prefix(`${run} nothing`).slice(1)}`);
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ items: [] });
  });

  it('moves a renamed company to its new place, and shows no attribute of the index', async () => {
    const run = `Renamed ${randomUUID().slice(0, 8)}`;
    const company = await create({ name: `${run} zebra`, employees: 1 });
    await create({ name: `${run} mango`, employees: 1 });
    const renamed = await call('PUT', `/companies/${company.companyId}`, { json: { name: `${run} aardvark`, employees: 1 }, headers: { 'If-Match': '"1"' } });
    expect(renamed.status).toBe(200);
    const page = await call('GET', `/companies?namePrefix=${encodeURIComponent(run)}`);
    expect(names(page.body)).toEqual([`${run} aardvark`, `${run} mango`]);
    for (const item of [...page.body.items, (await call('GET', `/companies/${company.companyId}`)).body]) {
      expect(Object.keys(item).sort()).toEqual(['companyId', 'createdAt', 'employees', 'name', 'updatedAt', 'version']);
    }
  });

  it('defaults to 25 per page', async () => {
    const response = await call('GET', '/companies');
    expect(response.status).toBe(200);
    expect(response.body.items.length).toBe(25);
    expect(typeof response.body.nextToken).toBe('string');
  });

  it('refuses a token tampered with, or another listing\'s: each is a 400 that says to start over', async () => {
    const first = await call('GET', '/companies?limit=2');
    const token: string = first.body.nextToken;
    const tampered = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
    expectProblem(await call('GET', `/companies?limit=2&nextToken=${tampered}`), 400, 'invalid-next-token');
    // The whole list's token, and one prefix's, are no keys to another prefix; the same prefix in other case is the same listing.
    expectProblem(await call('GET', `/companies?limit=2&namePrefix=Paged&nextToken=${token}`), 400, 'invalid-next-token');
    const paged = await call('GET', '/companies?limit=2&namePrefix=Paged');
    const pagedToken: string = paged.body.nextToken;
    expectProblem(await call('GET', `/companies?limit=2&namePrefix=Pag&nextToken=${pagedToken}`), 400, 'invalid-next-token');
    expectProblem(await call('GET', `/companies?limit=2&nextToken=${pagedToken}`), 400, 'invalid-next-token');
    const again = await call('GET', `/companies?limit=2&namePrefix=PAGED&nextToken=${pagedToken}`);
    expect(again.status).toBe(200);
    expect(ids(again.body)).not.toEqual(ids(paged.body));
  });

  it.each([
    ['empty', ''],
    ['starting with a space', ' Paged'],
    ['starting with an accent', '\u0301Paged'],
    ['with a control character', 'Pa\u0000ged'],
    ['longer than 120 characters', 'P'.repeat(121)],
  ])('refuses a namePrefix %s with a 400 problem', async (_, namePrefix) => {
    const response = await call('GET', `/companies?namePrefix=${encodeURIComponent(namePrefix)}`);
    expectProblem(response, 400, 'validation-failed');
    expect(response.body.errors).toEqual([expect.objectContaining({ path: '/query/namePrefix' })]);
  });
});

describe('bad input changes nothing and gets its 4xx problem', () => {
  let existing: { companyId: string };
  beforeAll(async () => {
    existing = await create({ name: 'Untouchable', employees: 5 });
  });
  const id = () => existing.companyId;
  const json = (body: unknown) => ({ json: body });
  const raw = (body: string, contentType = 'application/json') => ({ body, headers: { 'content-type': contentType } });
  const put = (options: { json?: unknown; body?: string; headers?: Record<string, string> }) => ({
    ...options,
    headers: { 'If-Match': '"1"', ...options.headers },
  });

  const cases: Array<[string, string, () => string, () => Record<string, unknown>, number, string]> = [
    ['malformed JSON', 'POST', () => '/companies', () => raw('{"name": "x",'), 400, 'validation-failed'],
    ['empty body', 'POST', () => '/companies', () => raw(''), 400, 'validation-failed'],
    ['array body', 'POST', () => '/companies', () => json([acme]), 400, 'validation-failed'],
    ['string body', 'POST', () => '/companies', () => json('Acme'), 400, 'validation-failed'],
    ['missing name', 'POST', () => '/companies', () => json({ employees: 3 }), 400, 'validation-failed'],
    ['missing employees', 'POST', () => '/companies', () => json({ name: 'A' }), 400, 'validation-failed'],
    ['blank name', 'POST', () => '/companies', () => json({ name: '   ', employees: 1 }), 400, 'validation-failed'],
    ['name of 121 characters', 'POST', () => '/companies', () => json({ name: 'n'.repeat(121), employees: 1 }), 400, 'validation-failed'],
    ['name as number', 'POST', () => '/companies', () => json({ name: 42, employees: 1 }), 400, 'validation-failed'],
    ['employees as string', 'POST', () => '/companies', () => json({ name: 'A', employees: '10' }), 400, 'validation-failed'],
    ['employees fractional', 'POST', () => '/companies', () => json({ name: 'A', employees: 1.5 }), 400, 'validation-failed'],
    ['employees negative', 'POST', () => '/companies', () => json({ name: 'A', employees: -1 }), 400, 'validation-failed'],
    ['employees over 10,000,000', 'POST', () => '/companies', () => json({ name: 'A', employees: 10_000_001 }), 400, 'validation-failed'],
    ['ticker lower case', 'POST', () => '/companies', () => json({ ...acme, ticker: 'petr4' }), 400, 'validation-failed'],
    ['ticker too long', 'POST', () => '/companies', () => json({ ...acme, ticker: 'ABCDEFG' }), 400, 'validation-failed'],
    ['ticker bad suffix', 'POST', () => '/companies', () => json({ ...acme, ticker: 'BRK.ABCD' }), 400, 'validation-failed'],
    ['location of 121 characters', 'POST', () => '/companies', () => json({ ...acme, location: 'l'.repeat(121) }), 400, 'validation-failed'],
    ['description of 2,001 characters', 'POST', () => '/companies', () => json({ ...acme, description: 'd'.repeat(2001) }), 400, 'validation-failed'],
    ['unknown field', 'POST', () => '/companies', () => json({ ...acme, ceo: 'X' }), 400, 'validation-failed'],
    ['read-only companyId', 'POST', () => '/companies', () => json({ ...acme, companyId: randomUUID() }), 400, 'validation-failed'],
    ['read-only version', 'POST', () => '/companies', () => json({ ...acme, version: 9 }), 400, 'validation-failed'],
    ['null name', 'POST', () => '/companies', () => json({ name: null, employees: 1 }), 400, 'validation-failed'],
    ['text/plain body', 'POST', () => '/companies', () => raw(JSON.stringify(acme), 'text/plain'), 415, 'unsupported-media-type'],
    ['form-encoded body', 'POST', () => '/companies', () => raw('name=Acme&employees=1', 'application/x-www-form-urlencoded'), 415, 'unsupported-media-type'],
    ['valid JSON padded past 16 KiB', 'POST', () => '/companies', () => raw(`{${' '.repeat(16 * 1024)}"name":"A","employees":1}`), 413, 'payload-too-large'],
    ['PUT padded past 16 KiB', 'PUT', () => `/companies/${id()}`, () => put(raw(`{${' '.repeat(16 * 1024)}"name":"A","employees":1}`)), 413, 'payload-too-large'],
    ['PUT with a read-only field', 'PUT', () => `/companies/${id()}`, () => put(json({ ...acme, createdAt: '2020-01-01T00:00:00Z' })), 400, 'validation-failed'],
    ['PUT with malformed JSON', 'PUT', () => `/companies/${id()}`, () => put(raw('{')), 400, 'validation-failed'],
    ['PUT with a weak ETag', 'PUT', () => `/companies/${id()}`, () => put({ json: acme, headers: { 'If-Match': 'W/"1"' } }), 400, 'validation-failed'],
    ['PUT with If-Match *', 'PUT', () => `/companies/${id()}`, () => put({ json: acme, headers: { 'If-Match': '*' } }), 400, 'validation-failed'],
    ['PUT without If-Match', 'PUT', () => `/companies/${id()}`, () => json(acme), 428, 'precondition-required'],
    ['PUT with a stale version', 'PUT', () => `/companies/${id()}`, () => put({ json: acme, headers: { 'If-Match': '"2"' } }), 412, 'version-conflict'],
    ['GET with a non-UUID id', 'GET', () => '/companies/not-a-uuid', () => ({}), 400, 'validation-failed'],
    ['PUT with a non-UUID id', 'PUT', () => '/companies/1234', () => put(json(acme)), 400, 'validation-failed'],
    ['DELETE with a non-UUID id', 'DELETE', () => '/companies/ACME', () => ({}), 400, 'validation-failed'],
    ['DELETE with a stale version', 'DELETE', () => `/companies/${id()}`, () => ({ headers: { 'If-Match': '"3"' } }), 412, 'version-conflict'],
    ['DELETE of an unknown id', 'DELETE', () => `/companies/${randomUUID()}`, () => ({}), 404, 'company-not-found'],
    ['limit 0', 'GET', () => '/companies?limit=0', () => ({}), 400, 'validation-failed'],
    ['limit 101', 'GET', () => '/companies?limit=101', () => ({}), 400, 'validation-failed'],
    ['limit not a number', 'GET', () => '/companies?limit=ten', () => ({}), 400, 'validation-failed'],
    ['nextToken malformed', 'GET', () => '/companies?nextToken=%24%24%24', () => ({}), 400, 'validation-failed'],
    ['nextToken forged', 'GET', () => `/companies?nextToken=${Buffer.alloc(32, 7).toString('base64url')}`, () => ({}), 400, 'invalid-next-token'],
    ['unknown route', 'GET', () => '/companiez', () => ({}), 404, 'route-not-found'],
    ['nested unknown route', 'POST', () => `/companies/${id()}/employees`, () => json(acme), 404, 'route-not-found'],
    ['unknown method on the collection', 'PATCH', () => '/companies', () => json(acme), 405, 'method-not-allowed'],
    ['unknown method on an item', 'POST', () => `/companies/${id()}`, () => json(acme), 405, 'method-not-allowed'],
  ];

  it.each(cases)('%s → %s %#', async (_name, method, path, options, status, type) => {
    const before = await stage.snapshot();
    const response = await call(method, path(), options());
    expectProblem(response, status, type);
    expect(response.text).not.toMatch(/at .+\.js:\d+|Exception|stack/);
    expect(await stage.snapshot()).toBe(before);
  });
});
