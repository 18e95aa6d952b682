import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { loadContract, type Operation, operations } from '../open-api/contract';
import { startTestStage } from './support/local-parts';
import { rawRequest, type RawResponse, slowRequest } from './support/raw-http';

/**
 * The API as a hostile but fair outsider tries it, on a running stage: whatever a request carries, the
 * answer is a 4xx RFC 9457 problem and the table is unchanged. The named cases are the ones found by hand;
 * the property generates requests of every kind from the contract itself.
 */

let stage: Awaited<ReturnType<typeof startTestStage>>;
let before: string;
const send = (method: string, target: string, options?: Parameters<typeof rawRequest>[3]) => rawRequest(stage.url, method, target, options);

beforeAll(async () => {
  // Short client timeouts, so that the slow-client cases take seconds; the real ones are 10 and 30 s.
  stage = await startTestStage('hostile', { requestTimeouts: { headersMs: 1_000, requestMs: 2_000 } });
  for (const name of ['Seed One', 'Seed Two']) {
    const created = await send('POST', '/companies', { headers: [['content-type', 'application/json']], body: JSON.stringify({ name, employees: 3 }) });
    expect(created.status).toBe(201);
  }
  before = await stage.snapshot();
});
afterAll(async () => {
  expect(await stage.snapshot()).toBe(before);
  await stage.stop();
});

function expectProblem(response: RawResponse, status?: number) {
  if (status !== undefined) expect(response.status).toBe(status);
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  expect(response.headers['content-type']).toBe('application/problem+json');
  const problem = response.body as { type?: unknown; title?: unknown; status?: unknown };
  expect(typeof problem?.type).toBe('string');
  expect(String(problem.type)).toMatch(/^urn:company-canary:problem:/);
  expect(typeof problem.title).toBe('string');
  if (problem.status !== undefined) expect(problem.status).toBe(response.status);
}

const json = (body: string): Parameters<typeof rawRequest>[3] => ({ headers: [['content-type', 'application/json']], body });
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
const MALFORMED_SEGMENTS = ['%', '%ZZ', '%E2%82', '%C0%AF', '%ED%A0%80', '%F0%9F%98', '%E2/%82%AC'];

describe('what was found by hand', () => {
  it.each(['Infinity', '1e400', '-1e400', 'NaN', '0x10', '1.5', '%205', ''])('GET /companies?limit=%s is a 400 problem about limit', async (limit) => {
    const response = await send('GET', `/companies?limit=${limit}`);
    expectProblem(response, 400);
    expect(response.body).toMatchObject({ errors: [expect.objectContaining({ path: '/query/limit' })] });
  });

  it.each(MALFORMED_SEGMENTS.flatMap((segment) => [`/companies/${segment}`, `/elsewhere/${segment}`, `/${segment}`]))(
    '%s (malformed percent-encoding) is a 400 problem',
    async (target) => {
      for (const method of ['GET', 'PUT', 'DELETE']) expectProblem(await send(method, target), 400);
    },
  );

  it.each(PROTOTYPE_NAMES)('a query parameter named %s is refused as unknown; a header of that name is ignored', async (name) => {
    const refused = await send('GET', `/companies?${name}=1`);
    expectProblem(refused, 400);
    expect(refused.body).toMatchObject({ errors: [{ path: `/query/${name}`, message: 'is not a parameter of this operation' }] });
    expectProblem(await send('GET', `/companies/${randomUUID()}?${name}=1`), 400);
    const listed = await send('GET', '/companies?limit=1', { headers: [[name, 'x']] });
    expect(listed.status).toBe(200);
    expectProblem(await send('GET', `/companies/${randomUUID()}`, { headers: [[name, 'x'], ['If-Match', '"1"']] }), 404);
  });

  it('answers URLs and headers past API Gateway limits with problems, as it does past Node.js limits', async () => {
    expectProblem(await send('GET', `/companies?nextToken=${'a'.repeat(10_300)}`), 414);
    expectProblem(await send('GET', '/companies', { headers: [['x-padding', 'a'.repeat(10_300)]] }), 431);
    expectProblem(await send('GET', '/companies', { headers: Array.from({ length: 8 }, (_, i): [string, string] => [`x-padding-${i}`, 'a'.repeat(4_000)]) }), 431);
  });

  it.each([
    ['only a zero-width space', '\u200b'],
    ['zero-width spaces around nothing', '\u200b \u200b'],
    ['a NUL inside', 'Acme\u0000Corp'],
    ['a right-to-left override', '\u202eproC emcA'],
    ['a tab inside', 'Acme\tCorp'],
    ['a lone surrogate', '\ud800Acme'],
    ['no letter or digit', '-- !!'],
    ['121 characters once trimmed', 'x'.repeat(121)],
  ])('refuses a name of %s at the edge and stores nothing', async (_, name) => {
    const response = await send('POST', '/companies', json(JSON.stringify({ name, employees: 1 })));
    expectProblem(response, 400);
  });

  it('refuses control characters in location and description alike', async () => {
    expectProblem(await send('POST', '/companies', json(JSON.stringify({ name: 'Acme', employees: 1, location: 'Rio\u0000' }))), 400);
    expectProblem(await send('POST', '/companies', json(JSON.stringify({ name: 'Acme', employees: 1, description: 'ok\u202e' }))), 400);
  });
});

describe('clients too slow to send their request', () => {
  it('a body trickled past the request timeout gets a 408 problem, not a connection held open', async () => {
    const head = 'POST /companies HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n';
    const { raw, afterMs } = await slowRequest(stage.url, head, Array.from({ length: 100 }, () => ' '), 200);
    expect(raw).toMatch(/^HTTP\/1\.1 408 /);
    expect(raw).toContain('application/problem+json');
    expect(raw).toContain('urn:company-canary:problem:');
    expect(afterMs).toBeLessThan(5_000);
  });

  it('headers trickled past the headers timeout get a 408 problem too', async () => {
    const { raw, afterMs } = await slowRequest(stage.url, 'GET /companies HTTP/1.1\r\n', Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: 1\r\n`), 200);
    expect(raw).toMatch(/^HTTP\/1\.1 408 /);
    expect(raw).toContain('application/problem+json');
    expect(afterMs).toBeLessThan(4_000);
  });
});

// ---- The property: hostile requests generated from the contract ----

interface HostileRequest {
  method: string;
  target: string;
  headers: Array<[string, string]>;
  body?: string;
}

const contract = operations(loadContract());
const served = contract.filter((op) => op.operationId);
const allowed = (path: string) => new Set(contract.filter((op) => op.path === path).map((op) => op.method));

const segment = fc.oneof(
  fc.constantFrom(...MALFORMED_SEGMENTS, ...PROTOTYPE_NAMES, '..', '%2F', '%00', 'x'.repeat(300)),
  fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
  fc.uuid().filter((id) => id[14] !== '4').map((id) => id.toUpperCase()),
);
const hostileValue = fc.oneof(
  fc.constantFrom('Infinity', '-Infinity', '1e400', '-1e400', 'NaN', '0x10', '1.5', '-1', '0', '101', '%', '%ZZ', '', 'a'.repeat(600), '..%2F'),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
);
const headerName = fc.constantFrom(...PROTOTYPE_NAMES, 'x-amz-date', 'x-forwarded-for', 'authorization', 'content-encoding');
const headerValue = fc.string({ maxLength: 40, unit: fc.constantFrom(...'abcXYZ019 ,;="*-_/:'.split('')) });
const hostileName = fc.constantFrom('', '   ', '\u200b', '\u200b\u200c\u200d', 'A\u0000B', '\u202eAcme', 'A\tB', '\\ud800', '\\udfffX', '---', 'x'.repeat(121), '\u0301abc');
const hostileJsonValue = fc.constantFrom('-1', '1.5', '"1"', '1e400', 'null', 'true', '[]', '{}', '10000001', '"\\u0000"');

/** A body the contract refuses: malformed, wrongly typed, or valid but for one hostile field. */
const hostileBody = fc.oneof(
  hostileName.map((name) => `{"name":"${name}","employees":1}`),
  hostileJsonValue.map((employees) => `{"name":"Valid Name","employees":${employees}}`),
  // These fields take strings, and "1" is a valid one for each of them.
  fc
    .constantFrom('ticker', 'location', 'description')
    .chain((field) => hostileJsonValue.filter((value) => value !== '"1"').map((value) => `{"name":"Valid Name","employees":1,"${field}":${value}}`)),
  fc.constantFrom(...PROTOTYPE_NAMES, 'companyId', 'version', 'createdAt', 'ceo').map((key) => `{"name":"Valid Name","employees":1,"${key}":{"polluted":true}}`),
  fc.constantFrom('', '{', 'null', '[]', '"name"', '{"name":"Valid Name","employees":1', `{"name":"${'x'.repeat(17_000)}","employees":1}`),
);

function pathFor(op: Operation, faultyPath: string | undefined): string {
  return op.path.replace(/\{[^}]+\}/g, (placeholder) => {
    if (placeholder === '{proxy+}') return faultyPath ?? `nothing/${randomUUID()}`;
    return faultyPath ?? randomUUID();
  });
}

const hostileRequest: fc.Arbitrary<HostileRequest> = fc
  .record({
    op: fc.constantFrom(...contract),
    fault: fc.constantFrom('path', 'query', 'body', 'contentType', 'method', 'ifMatch', 'oversize'),
    segment,
    queryName: fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES, 'limt', 'LIMIT'), fc.constantFrom('limit', 'nextToken')),
    queryValue: hostileValue,
    otherMethod: fc.constantFrom('PATCH', 'OPTIONS', 'TRACE', 'HEAD', 'POST', 'PUT', 'DELETE', 'GET'),
    body: hostileBody,
    ifMatch: fc.constantFrom('*', 'W/"1"', '"1", "2"', '1', '"0"', '"-1"', '"1e3"', '""', 'x'.repeat(70)),
    decorations: fc.array(fc.tuple(headerName, headerValue), { maxLength: 3 }),
  })
  .map(({ op, fault, segment, queryName, queryValue, otherMethod, body, ifMatch, decorations }): HostileRequest => {
    const hasPathParameter = op.path.includes('{');
    const pathFault = fault === 'path' || !op.operationId ? (hasPathParameter ? segment : undefined) : undefined;
    let method = op.method === 'ANY' ? 'PATCH' : op.method;
    // A route without a parameter has its fault in a path below it, which no operation serves.
    let target = fault === 'path' && !hasPathParameter ? `${op.path}/${segment}/more` : pathFor(op, pathFault);
    const headers: Array<[string, string]> = [...decorations];
    let payload: string | undefined = op.bodySchema ? '{"name":"Valid Name","employees":1}' : undefined;
    if (payload) headers.push(['content-type', 'application/json']);
    if (op.method === 'PUT') headers.push(['If-Match', '"1"']);
    switch (fault) {
      case 'query':
        // Any limit but a whole number from 1 to 100 written plainly.
        target += `?${queryName}=${queryName === 'limit' && /^(?:[1-9][0-9]?|100|)$/.test(queryValue) ? `0${queryValue}x` : queryValue}`;
        break;
      case 'body':
        payload = body;
        if (!op.bodySchema) method = 'PATCH';
        headers.push(['content-type', 'application/json']);
        break;
      case 'contentType':
        headers.push(['content-type', 'text/plain']);
        if (!op.bodySchema) method = 'PATCH';
        break;
      case 'method':
        method = allowed(op.path).has(otherMethod) ? 'PATCH' : otherMethod;
        break;
      case 'ifMatch':
        headers.push(['If-Match', ifMatch]);
        if (op.method !== 'PUT' && op.method !== 'DELETE') method = 'PATCH';
        break;
      case 'oversize':
        headers.push(['x-padding', 'p'.repeat(10_300)]);
        break;
    }
    // A valid-looking write goes only to a company that does not exist, so nothing can change.
    if (served.includes(op) && op.method === 'POST' && fault !== 'body' && fault !== 'contentType' && fault !== 'oversize' && fault !== 'query') {
      payload = body;
    }
    // No client sends a body with HEAD or TRACE; Node's server would read it as the next request.
    return { method, target, headers, body: method === 'HEAD' || method === 'TRACE' ? undefined : payload };
  });

describe('hostile requests generated from the contract', () => {
  it('always get a 4xx problem and never change the table', async () => {
    await fc.assert(
      fc.asyncProperty(hostileRequest, async (hostile) => {
        const response = await send(hostile.method, hostile.target, { headers: hostile.headers, body: hostile.body });
        if (hostile.method === 'HEAD') {
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
        } else expectProblem(response);
      }),
      { numRuns: 400 },
    );
    expect(await stage.snapshot()).toBe(before);
  }, 120_000);
});
