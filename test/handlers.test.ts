import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompanyNotFound, ExpiredPageToken, InvalidPageToken, VersionConflict } from '../functions/company/errors';
import { PAGE_TOKEN_LIFETIME_SECONDS, pageTokenCodec } from '../functions/company/page-token';
import { createCompanyOperation } from '../functions/create-company';
import { deleteCompanyOperation } from '../functions/delete-company';
import { getCompanyOperation } from '../functions/get-company';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type ApiOperation, apiHandler, logger } from '../functions/http/api-handler';
import { InvalidRequest, MalformedJson, PayloadTooLarge, PreconditionRequired, UnsupportedMediaType } from '../functions/http/request-errors';
import { problemFor } from '../functions/http/responses';
import { validate } from '../functions/http/validation';
import createCompanyValidators from '../functions/http/validators/createCompany.generated';
import { listCompaniesOperation } from '../functions/list-companies';
import { updateCompanyOperation } from '../functions/update-company';
import type { CompanyStore } from '../functions/store/company-store';
import { generateValidators, VALIDATORS_DIR } from '../open-api/generate-validators';
import { apiEvent, lambdaContext } from './support/events';
import { dynamoDbOncePerKey } from '../functions/store/once-per-key';
import { localDynamoDbClient } from '../local/services/dynamodb';
import { createTestTable, dynamoEndpoint, TEST_CREDENTIALS } from './support/local-parts';

/** Handlers called directly, as Lambda calls them, on a store over DynamoDB Local: the checks behind the gateway. */

let table: Awaited<ReturnType<typeof createTestTable>>;
beforeAll(async () => {
  table = await createTestTable('handlers');
});
afterAll(() => table.drop());

const deps = () => ({ store: table.store, now: () => new Date('2026-11-25T10:00:00.000Z') });
const body = (response: { body: string }) => JSON.parse(response.body);
/** Runs an operation the way its Lambda entry does, errors mapped to problems. */
const run = (operation: ApiOperation, event: APIGatewayProxyEvent) => apiHandler('test', () => operation)(event, lambdaContext());

describe('handlers validate again, with one entry per violation', () => {
  it('names read-only, unknown, missing and badly formed fields at their paths', async () => {
    const before = await table.snapshot();
    const response = await run(createCompanyOperation({ ...deps(), once: table.once }), 
      apiEvent({ method: 'POST', body: { version: 3, ceo: 'X', name: '   ', ticker: 'abc' } }),
    );
    expect(response.statusCode).toBe(400);
    expect(response.headers).toMatchObject({ 'Content-Type': 'application/problem+json' });
    expect(body(response).errors).toEqual(
      expect.arrayContaining([
        { path: '/body/employees', message: 'is required' },
        { path: '/body/version', message: 'is read-only and set by the server' },
        { path: '/body/ceo', message: 'is not a known property' },
        { path: '/body/name', message: 'must be 1 to 120 letters, digits, punctuation, symbols or spaces once trimmed, with at least one letter or digit and no control or invisible characters' },
        { path: '/body/ticker', message: 'must be an exchange ticker such as PETR4 or BRK.B' },
      ]),
    );
    expect(await table.snapshot()).toBe(before);
  });

  it('refuses a non-UUID id before touching the table', async () => {
    const response = await run(getCompanyOperation(deps()), apiEvent({ companyId: 'ACME' }));
    expect(response.statusCode).toBe(400);
    expect(body(response).errors).toEqual([{ path: '/path/companyId', message: 'must be a lower-case UUID v4' }]);
  });

  it('rejects a body the gateway would pass by content type alone: text/plain is 415', async () => {
    const response = await run(createCompanyOperation({ ...deps(), once: table.once }), 
      apiEvent({ method: 'POST', body: { name: 'A', employees: 1 }, headers: { 'Content-Type': 'text/plain' } }),
    );
    expect(response.statusCode).toBe(415);
  });

  it('answers a name of 16 KiB of white space at once (no catastrophic backtracking)', async () => {
    const name = `${' '.repeat(15_000)}x${' '.repeat(200)}`;
    const started = performance.now();
    expect(validate(createCompanyValidators, createCompanyValidators.body!, { name, employees: 1 }, '/body')).toEqual({ name, employees: 1 });
    expect(() => validate(createCompanyValidators, createCompanyValidators.body!, { name: ' '.repeat(16_000), employees: 1 }, '/body')).toThrow(InvalidRequest);
    expect(performance.now() - started).toBeLessThan(50);
    const response = await run(createCompanyOperation({ ...deps(), once: table.once }), apiEvent({ method: 'POST', body: { name, employees: 1 } }));
    expect(response.statusCode).toBe(201);
    expect(body(response).name).toBe('x');
  });
});

describe('use cases through the handlers', () => {
  it('create trims the name and stamps both times; update keeps createdAt', async () => {
    const created = await run(createCompanyOperation({ ...deps(), once: table.once }), apiEvent({ method: 'POST', body: { name: ' Trim Me ', employees: 2 } }));
    const company = body(created);
    expect(company).toMatchObject({ name: 'Trim Me', version: 1, createdAt: '2026-11-25T10:00:00.000Z' });
    const later = { store: table.store, now: () => new Date('2026-11-26T10:00:00.000Z') };
    const updated = await run(updateCompanyOperation(later), 
      apiEvent({ method: 'PUT', companyId: company.companyId, headers: { 'If-Match': '"1"' }, body: { name: 'Trimmed', employees: 3 } }),
    );
    expect(body(updated)).toMatchObject({ version: 2, createdAt: '2026-11-25T10:00:00.000Z', updatedAt: '2026-11-26T10:00:00.000Z' });
    expect((await run(deleteCompanyOperation(deps()), apiEvent({ method: 'DELETE', companyId: company.companyId }))).statusCode).toBe(204);
  });

  describe('list', () => {
    const listing = (key: string, now = deps().now) => ({
      ...deps(),
      now,
      pageTokenKeys: async () => ({ current: key, currentActiveFrom: new Date(0) }),
    });
    const firstPage = async () => {
      for (let i = 0; i < 3; i++) await run(createCompanyOperation({ ...deps(), once: table.once }), apiEvent({ method: 'POST', body: { name: `L${i}`, employees: i } }));
      const first = await run(listCompaniesOperation(listing('key-one')), apiEvent({ query: { limit: '1' } }));
      expect(typeof body(first).nextToken).toBe('string');
      return body(first).nextToken as string;
    };

    it('signs its nextToken with the key it is given: another key cannot read it', async () => {
      const nextToken = await firstPage();
      expect((await run(listCompaniesOperation(listing('key-one')), apiEvent({ query: { nextToken } }))).statusCode).toBe(200);
      const other = await run(listCompaniesOperation(listing('key-two')), apiEvent({ query: { nextToken } }));
      expect(other.statusCode).toBe(400);
      expect(body(other).type).toBe('urn:company-canary:problem:invalid-next-token');
    });

    it('refuses a token signed with its key whose payload is no company id', async () => {
      const token = pageTokenCodec({ current: 'key-one', currentActiveFrom: new Date(0) }, deps().now).encode(Buffer.from('not an id'));
      const response = await run(listCompaniesOperation(listing('key-one')), apiEvent({ query: { nextToken: token } }));
      expect(body(response).type).toBe('urn:company-canary:problem:invalid-next-token');
    });

    it('refuses a nextToken older than its lifetime with a problem that says to start over', async () => {
      const nextToken = await firstPage();
      const later = () => new Date(deps().now().getTime() + PAGE_TOKEN_LIFETIME_SECONDS * 1000);
      const expired = await run(listCompaniesOperation(listing('key-one', later)), apiEvent({ query: { nextToken } }));
      expect(expired.statusCode).toBe(400);
      expect(body(expired)).toMatchObject({ type: 'urn:company-canary:problem:expired-next-token', errors: [{ path: '/query/nextToken', message: 'has expired' }] });
      expect(body(expired).detail).toMatch(/valid for 60 minutes; omit it to start over/);
    });
  });
});

describe('a create whose Idempotency-Key record cannot be saved', () => {
  it('still answers the company it stored, once, rather than a 5xx that a retry would turn into a second company', async () => {
    // The idempotency table refuses the one write that records the answer, as a throttled table would.
    const client = localDynamoDbClient(dynamoEndpoint(), TEST_CREDENTIALS);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UpdateItemCommand') throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), { name: 'ProvisionedThroughputExceededException' });
        return next(args);
      },
      { step: 'initialize', name: 'refuseRecordingTheAnswer' },
    );
    const once = dynamoDbOncePerKey(client, table.idempotencyTable);
    const before = JSON.parse(await table.snapshot()).length;
    const key = randomUUID();
    const create = () => run(createCompanyOperation({ ...deps(), once }), apiEvent({ method: 'POST', headers: { 'Idempotency-Key': key }, body: { name: 'Recorded Or Not', employees: 1 } }));
    const first = await create();
    expect(first.statusCode).toBe(201);
    expect(body(first)).toMatchObject({ name: 'Recorded Or Not', version: 1 });
    // Its key stays held until the record expires: a retry meanwhile is told to wait, and stores nothing.
    expect((await create()).statusCode).toBe(409);
    expect(JSON.parse(await table.snapshot()).length).toBe(before + 1);
    client.destroy();
  });
});

describe('unexpected failures', () => {
  const failingStore: CompanyStore = new Proxy({} as CompanyStore, {
    get: () => () => Promise.reject(new Error('ProvisionedThroughputExceeded at arn:aws:dynamodb:secret-table')),
  });

  it('become a 500 problem with the request id and no internal detail, logged in full', async () => {
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    const handler = apiHandler('getCompany', () => getCompanyOperation({ store: failingStore }));
    const event = apiEvent({ companyId: randomUUID() });
    const response = await handler(event, lambdaContext());
    expect(response.statusCode).toBe(500);
    const problem = body(response);
    expect(problem).toMatchObject({ type: 'urn:company-canary:problem:internal', status: 500, requestId: event.requestContext.requestId });
    expect(response.body).not.toMatch(/Provisioned|arn:|secret/);
    expect(logged).toHaveBeenCalledWith('request failed', expect.objectContaining({ statusCode: 500, error: expect.any(Error) }));
    logged.mockRestore();
  });

  it('a missing setting fails loudly in the log, quietly for the client', async () => {
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    delete process.env.TABLE_NAME;
    const { handler } = await import('../functions/get-company');
    const response = await handler(apiEvent({ companyId: randomUUID() }), lambdaContext());
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('TABLE_NAME');
    expect(String((logged.mock.calls[0]?.[1] as { error: Error }).error.message)).toContain('TABLE_NAME is not set');
    logged.mockRestore();
  });
});

describe('problemFor maps every error class to its problem', () => {
  it.each([
    [new InvalidRequest([{ path: '/body/name', message: 'is required' }]), 400, 'validation-failed'],
    [new MalformedJson(), 400, 'malformed-json'],
    [new InvalidPageToken(), 400, 'invalid-next-token'],
    [new ExpiredPageToken(3600), 400, 'expired-next-token'],
    [new CompanyNotFound('x'), 404, 'company-not-found'],
    [new VersionConflict('x', 1), 412, 'version-conflict'],
    [new PayloadTooLarge(16384), 413, 'payload-too-large'],
    [new UnsupportedMediaType(), 415, 'unsupported-media-type'],
    [new PreconditionRequired(), 428, 'precondition-required'],
    [new TypeError('boom'), 500, 'internal'],
    ['not even an error', 500, 'internal'],
  ])('%p → %i', (error, status, slug) => {
    const problem = problemFor(error, 'req-1');
    expect(problem.status).toBe(status);
    expect(problem.type).toBe(`urn:company-canary:problem:${slug}`);
    expect(problem.detail.length).toBeGreaterThan(10);
    expect(JSON.stringify(problem)).not.toContain('boom');
  });
});

it('the committed validators are generated from the current contract, one module per operation and no other', () => {
  const generated = generateValidators();
  expect(readdirSync(VALIDATORS_DIR).sort()).toEqual([...generated.keys()].sort());
  for (const [name, text] of generated) expect(readFileSync(join(VALIDATORS_DIR, name), 'utf8')).toBe(text);
});
