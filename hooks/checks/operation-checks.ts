import { randomUUID } from 'node:crypto';
import { type CheckResult, expectAnswer, mismatch } from './expect-answer';
import type { Fixtures } from './fixtures';
import type { Probe, ProbeRequest } from './target-probe';

/**
 * The checks a new version of each operation must pass before it takes traffic: its happy path and its
 * error paths, every answer held to the contract. The target is invoked like any API request.
 */
export type OperationChecks = (target: Probe, fixtures: Fixtures) => Promise<CheckResult[]>;

const sample = () => ({ name: `Pre-traffic check ${randomUUID().slice(0, 8)}`, employees: 42, ticker: 'CHK3', location: 'São Paulo' });
const json = (value: unknown) => JSON.stringify(value);
const item = (method: string, companyId: string, extra: Partial<ProbeRequest> = {}): ProbeRequest => ({
  method,
  path: `/companies/${companyId}`,
  resource: '/companies/{companyId}',
  pathParameters: { companyId },
  ...extra,
});
const collection = (method: string, extra: Partial<ProbeRequest> = {}): ProbeRequest => ({ method, path: '/companies', resource: '/companies', ...extra });

const createCompany: OperationChecks = async (target) => {
  const fields = sample();
  const created = await target(collection('POST', { body: json({ ...fields, name: `  ${fields.name}  ` }) }));
  return [
    expectAnswer('create answers 201 with the stored company', created, 201, 'Company', (body) => [
      mismatch('name', body.name, fields.name),
      mismatch('employees', body.employees, fields.employees),
      mismatch('version', body.version, 1),
      mismatch('ETag', created.headers.ETag, '"1"'),
      mismatch('Location', created.headers.Location, `/companies/${body.companyId}`),
    ]),
    expectAnswer('an invalid body is a 400 problem', await target(collection('POST', { body: json({ name: 'x', employees: -1 }) })), 400, 'Problem', (body) => [
      !Array.isArray(body.errors) && 'errors is missing',
    ]),
    expectAnswer('a read-only field is a 400 problem', await target(collection('POST', { body: json({ ...fields, version: 7 }) })), 400, 'Problem'),
    expectAnswer('malformed JSON is a 400 problem', await target(collection('POST', { body: '{"name":' })), 400, 'Problem'),
  ];
};

const getCompany: OperationChecks = async (target, fixtures) => {
  const company = await fixtures.create(sample());
  const read = await target(item('GET', company.companyId));
  return [
    expectAnswer('get answers the stored company', read, 200, 'Company', (body) => [mismatch('company', body, company), mismatch('ETag', read.headers.ETag, '"1"')]),
    expectAnswer('an unknown id is a 404 problem', await target(item('GET', randomUUID())), 404, 'Problem'),
    expectAnswer('a malformed id is a 400 problem', await target(item('GET', 'not-a-uuid')), 400, 'Problem'),
  ];
};

/** The name index is eventually consistent on AWS: a company a moment old may not be listed yet. */
const INDEX_CATCH_UP_MS = 5_000;

const listCompanies: OperationChecks = async (target, fixtures) => {
  // Two companies under a prefix no other company has, named alike but for case: their order is known.
  const prefix = `Pre-traffic check ${randomUUID().slice(0, 8)}`;
  await fixtures.create({ ...sample(), name: `${prefix} b` });
  await fixtures.create({ ...sample(), name: `${prefix} A` });
  const list = (query: Record<string, string>) => target(collection('GET', { query }));
  let whole = await list({ namePrefix: prefix });
  for (const started = Date.now(); (whole.body as { items?: unknown[] })?.items?.length !== 2 && Date.now() - started < INDEX_CATCH_UP_MS; ) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    whole = await list({ namePrefix: prefix });
  }
  const names = (body: { items: Array<{ name: string }> }) => body.items.map((c) => c.name);
  const first = await list({ namePrefix: prefix.toUpperCase(), limit: '1' });
  const token = (first.body as { nextToken?: string })?.nextToken;
  const results = [
    expectAnswer('list by name prefix answers its companies in name order, ignoring case', whole, 200, 'CompanyPage', (body) => [
      mismatch('names', names(body), [`${prefix} A`, `${prefix} b`]),
      body.nextToken !== undefined && 'nextToken is present although no company follows',
    ]),
    expectAnswer('list answers one page with a nextToken', first, 200, 'CompanyPage', (body) => [
      mismatch('names', names(body), [`${prefix} A`]),
      typeof body.nextToken !== 'string' && 'nextToken is missing although more companies follow',
    ]),
    expectAnswer('limit 0 is a 400 problem', await list({ limit: '0' }), 400, 'Problem'),
    expectAnswer('a name prefix starting with a space is a 400 problem', await list({ namePrefix: ` ${prefix}` }), 400, 'Problem'),
    expectAnswer('a forged nextToken is a 400 problem', await list({ nextToken: Buffer.alloc(32, 1).toString('base64url') }), 400, 'Problem'),
  ];
  if (token) {
    results.push(
      expectAnswer('the nextToken reads the next page', await list({ namePrefix: prefix, limit: '1', nextToken: token }), 200, 'CompanyPage', (body) => [
        mismatch('names', names(body), [`${prefix} b`]),
      ]),
      expectAnswer('the nextToken of one prefix is a 400 problem with another', await list({ namePrefix: `${prefix} b`, nextToken: token }), 400, 'Problem'),
    );
  }
  return results;
};

const updateCompany: OperationChecks = async (target, fixtures) => {
  const company = await fixtures.create(sample());
  const replacement = { name: 'Pre-traffic check renamed', employees: 43 };
  const put = (headers: Record<string, string>, body = json(replacement), companyId = company.companyId) =>
    target(item('PUT', companyId, { headers, body }));
  return [
    expectAnswer('update with the current ETag answers the new version', await put({ 'If-Match': '"1"' }), 200, 'Company', (body) => [
      mismatch('version', body.version, 2),
      mismatch('name', body.name, replacement.name),
      mismatch('createdAt', body.createdAt, company.createdAt),
      body.ticker !== undefined && 'ticker survived a replacement that left it out',
    ]),
    expectAnswer('a stale ETag is a 412 problem', await put({ 'If-Match': '"1"' }), 412, 'Problem'),
    expectAnswer('a missing If-Match is a 428 problem', await put({}), 428, 'Problem'),
    expectAnswer('an invalid body is a 400 problem', await put({ 'If-Match': '"2"' }, json({ name: '' })), 400, 'Problem'),
    expectAnswer('an unknown id is a 404 problem', await put({ 'If-Match': '"1"' }, json(replacement), randomUUID()), 404, 'Problem'),
  ];
};

const deleteCompany: OperationChecks = async (target, fixtures) => {
  const company = await fixtures.create(sample());
  return [
    expectAnswer('a stale If-Match is a 412 problem', await target(item('DELETE', company.companyId, { headers: { 'If-Match': '"9"' } })), 412, 'Problem'),
    expectAnswer('delete answers 204', await target(item('DELETE', company.companyId)), 204, undefined),
    expectAnswer('a second delete is a 404 problem', await target(item('DELETE', company.companyId)), 404, 'Problem'),
    expectAnswer('a malformed id is a 400 problem', await target(item('DELETE', 'ACME')), 400, 'Problem'),
  ];
};

export const checksByOperation: Record<string, OperationChecks> = { createCompany, getCompany, listCompanies, updateCompany, deleteCompany };
