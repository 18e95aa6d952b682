import { DescribeStateMachineCommand, SFNClient, StartSyncExecutionCommand, type StartSyncExecutionOutput } from '@aws-sdk/client-sfn';
import { randomUUID } from 'node:crypto';
import { dynamoDbCompanyStore } from '../functions/store/dynamodb-company-store';
import { newStageCredentials } from '../local/credentials';
import { startStepFunctionsServer, type StepFunctionsServer } from '../local/services/stepfunctions/server';
import { apiGatewayInvoke } from '../local/services/stepfunctions/api-gateway-invoke';
import { loadStateMachines } from '../local/services/stepfunctions/state-machines';
import { answerJson, answerStatus, type Fault, type FaultProxy, type JourneyStep, once, rewrite, startFaultProxy } from './support/journey-fault-proxy';
import { apiClient } from './support/http';
import { documentClient, startTestStage } from './support/local-parts';

/**
 * The company journey state machine, run by the local Step Functions through the real SDK client, against
 * the local API: directly, and through a proxy that makes the API misbehave at one step at a time.
 */

const JOURNEY_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:company-canary-company-journey';
/** More than two pages of 100: the journey must find its company without paging through them. */
const OTHER_COMPANIES = 250;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let stage: Awaited<ReturnType<typeof startTestStage>>;
let proxy: FaultProxy;
const servers: StepFunctionsServer[] = [];
/** Straight to the API. */
let direct: SFNClient;
/** Through the proxy, retrying without a pause, so that exhausting the retries costs no time. */
let faulty: SFNClient;
/** Through the proxy, with the definition's own backoff. */
let throttled: SFNClient;

async function sfnClient(apiUrl: string, retryIntervalOverrideMs?: number): Promise<SFNClient> {
  const credentials = newStageCredentials();
  const server = await startStepFunctionsServer({ apiUrl, retryIntervalOverrideMs, credentials });
  servers.push(server);
  return new SFNClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials,
    // StartSyncExecution's AWS host is sync-states.<region>…: without this the SDK would prefix ours.
    disableHostPrefix: true,
  });
}

beforeAll(async () => {
  stage = await startTestStage('journey');
  const client = documentClient();
  const store = dynamoDbCompanyStore(client, stage.tableName);
  const now = new Date().toISOString();
  await Promise.all(
    Array.from({ length: OTHER_COMPANIES }, (_, i) =>
      store.create({ companyId: randomUUID(), name: `Other ${i}`, employees: i, version: 1, createdAt: now, updatedAt: now }),
    ),
  );
  client.destroy();
  proxy = await startFaultProxy(stage.url);
  direct = await sfnClient(stage.url);
  faulty = await sfnClient(proxy.url, 0);
  throttled = await sfnClient(proxy.url);
});

afterAll(async () => {
  for (const client of [direct, faulty, throttled]) client?.destroy();
  await Promise.all(servers.map((server) => server.stop()));
  await proxy?.stop();
  await stage?.stop();
});

const runJourney = (client: SFNClient): Promise<StartSyncExecutionOutput> =>
  client.send(new StartSyncExecutionCommand({ stateMachineArn: JOURNEY_ARN, input: '{}' }));

describe('the journey against the local API', () => {
  it('succeeds and leaves the table byte for byte as it found it', async () => {
    const before = await stage.snapshot();
    const started = new Date();
    const result = await runJourney(direct);

    expect(result.status).toBe('SUCCEEDED');
    expect(result.error).toBeUndefined();
    const output = JSON.parse(result.output!);
    expect(output.companyId).toMatch(UUID);
    // Found by its name in one call, among more companies than a page holds.
    expect(output.listAttempts).toBe(1);
    expect(result.stateMachineArn).toBe(JOURNEY_ARN);
    expect(result.executionArn).toMatch(new RegExp(`^arn:aws:states:us-east-1:000000000000:express:company-canary-company-journey:${result.name}:[0-9a-f-]{36}$`));
    expect(result.startDate!.getTime()).toBeGreaterThanOrEqual(started.getTime() - 1000);
    expect(result.stopDate!.getTime()).toBeGreaterThanOrEqual(result.startDate!.getTime());
    expect(result.billingDetails?.billedDurationInMilliseconds).toBeGreaterThanOrEqual(100);
    expect(await stage.snapshot()).toBe(before);
  });
});

interface FailureCase {
  title: string;
  faults: Partial<Record<JourneyStep, Fault>>;
  error: string;
  /** The HTTP status the failing step saw, which the cause must quote. */
  status: number;
  /** How many requests the failing step made: once plus the retries its Retry allows. */
  attempts: number;
  /** What the cleanup's delete was answered, when the company had been created; none when it had not. */
  cleanup?: 204 | 404;
}

const failures: FailureCase[] = [
  { title: 'create answers 500 every time', faults: { CreateCompany: answerStatus(500) }, error: 'CreateCompany.ApiGateway.500', status: 500, attempts: 4 },
  {
    title: 'create answers 200 instead of 201',
    faults: { CreateCompany: rewrite(() => ({ status: 200 })) },
    error: 'CreateCompany.UnexpectedResponse.200',
    status: 200,
    attempts: 1,
    cleanup: 204,
  },
  { title: 'get answers 500 every time', faults: { GetCompany: answerStatus(500) }, error: 'GetCompany.ApiGateway.500', status: 500, attempts: 4, cleanup: 204 },
  {
    title: 'get answers 200 with a body that is not JSON',
    faults: { GetCompany: () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'fine' }) },
    error: 'GetCompany.UnexpectedResponse.200',
    status: 200,
    attempts: 1,
    cleanup: 204,
  },
  {
    title: 'get answers another company than the one created',
    faults: { GetCompany: rewrite(({ json }) => ({ json: { ...json, employees: Number(json.employees) + 1 } })) },
    error: 'GetCompany.UnexpectedResponse.200',
    status: 200,
    attempts: 1,
    cleanup: 204,
  },
  { title: 'list answers 503 every time', faults: { ListCompanies: answerStatus(503) }, error: 'ListCompanies.ApiGateway.503', status: 503, attempts: 4, cleanup: 204 },
  {
    title: 'list never shows the company',
    faults: {
      ListCompanies: rewrite(({ json }) => ({ json: { ...json, items: (json.items as { name: string }[]).filter((c) => !c.name.startsWith('Company journey')) } })),
    },
    error: 'ListCompanies.CompanyNotListed.200',
    status: 200,
    // Looked for by its name five times, a second apart, in case the name index had not caught up yet.
    attempts: 5,
    cleanup: 204,
  },
  {
    title: 'list answers a page whose items are not a list',
    faults: { ListCompanies: answerJson(200, { items: 'none' }) },
    error: 'ListCompanies.UnexpectedResponse.200',
    status: 200,
    attempts: 1,
    cleanup: 204,
  },
  { title: 'update answers 502 every time', faults: { UpdateCompany: answerStatus(502) }, error: 'UpdateCompany.ApiGateway.502', status: 502, attempts: 4, cleanup: 204 },
  {
    title: 'update answers 412 though its ETag is current',
    faults: { UpdateCompany: answerStatus(412) },
    error: 'UpdateCompany.ApiGateway.412',
    status: 412,
    attempts: 1,
    cleanup: 204,
  },
  {
    title: 'a stale update answers 200 instead of 412',
    faults: { StaleUpdate: answerJson(200, {}) },
    error: 'StaleUpdate.UnexpectedResponse.200',
    status: 200,
    attempts: 1,
    cleanup: 204,
  },
  { title: 'delete answers 500 every time', faults: { DeleteCompany: answerStatus(500) }, error: 'DeleteCompany.ApiGateway.500', status: 500, attempts: 4, cleanup: 204 },
  {
    title: 'the deleted company is still found',
    faults: { GetDeletedCompany: answerJson(200, {}) },
    error: 'GetDeletedCompany.UnexpectedResponse.200',
    status: 200,
    attempts: 1,
    cleanup: 404,
  },
];

describe('the journey when the API misbehaves at one step', () => {
  it.each(failures)('fails naming the step and status, and cleans up, when $title', async ({ faults, error, status, attempts, cleanup }) => {
    const before = await stage.snapshot();
    proxy.reset(faults);
    const result = await runJourney(faulty);

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(error);
    const step = error.split('.')[0]! as JourneyStep;
    expect(result.cause).toContain(step);
    expect(result.cause).toContain(String(status));
    expect(proxy.attempts(step)).toBe(attempts);
    expect(proxy.seen.filter((s) => s.step === 'CleanUp').map((s) => s.status)).toEqual(cleanup ? [cleanup] : []);
    expect(await stage.snapshot()).toBe(before);
  });

  it('reports the company left behind when the cleanup cannot delete it', async () => {
    const before = await stage.snapshot();
    proxy.reset({ UpdateCompany: answerStatus(500), CleanUp: answerStatus(500) });
    const result = await runJourney(faulty);

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('UpdateCompany.ApiGateway.500');
    const leftBehind = /could not delete company ([0-9a-f-]{36})/.exec(result.cause ?? '')?.[1];
    expect(leftBehind).toMatch(UUID);
    expect(proxy.attempts('CleanUp')).toBe(4);
    expect(await stage.snapshot()).not.toBe(before);

    expect((await apiClient(stage.url)('DELETE', `/companies/${leftBehind}`)).status).toBe(204);
    expect(await stage.snapshot()).toBe(before);
  });
});

describe('the journey when the API throttles', () => {
  it("retries every step throttled once, at the definition's own intervals, and succeeds", async () => {
    const before = await stage.snapshot();
    const steps: JourneyStep[] = ['CreateCompany', 'GetCompany', 'ListCompanies', 'UpdateCompany', 'StaleUpdate', 'DeleteCompany', 'GetDeletedCompany'];
    proxy.reset(Object.fromEntries(steps.map((step) => [step, once(answerStatus(429))])));
    const result = await runJourney(throttled);

    expect(result.status).toBe('SUCCEEDED');
    for (const step of steps) {
      expect(proxy.seen.filter((s) => s.step === step)[0]).toEqual({ step, status: 429 });
      expect(proxy.seen.filter((s) => s.step === step)[1]?.status).toBeDefined();
    }
    expect(proxy.attempts('CleanUp')).toBe(0);
    expect(await stage.snapshot()).toBe(before);
  });
});

describe('the journey when a create is answered 500 after the company was stored', () => {
  it('retries with the same Idempotency-Key, gets the company the first attempt stored, and leaves no other behind', async () => {
    const before = await stage.snapshot();
    proxy.reset({ CreateCompany: once(rewrite(() => ({ status: 500 }))) });
    const result = await runJourney(faulty);

    expect(result.status).toBe('SUCCEEDED');
    expect(proxy.seen.filter((s) => s.step === 'CreateCompany').map((s) => s.status)).toEqual([500, 201]);
    expect(await stage.snapshot()).toBe(before);
  });
});

describe("the service's own errors", () => {
  it('answers an operation it does not serve with UnknownOperationException', async () => {
    await expect(direct.send(new DescribeStateMachineCommand({ stateMachineArn: JOURNEY_ARN }))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('answers an unknown state machine with StateMachineDoesNotExist', async () => {
    const arn = 'arn:aws:states:us-east-1:000000000000:stateMachine:company-canary-no-such-journey';
    await expect(direct.send(new StartSyncExecutionCommand({ stateMachineArn: arn }))).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
      message: expect.stringContaining(arn),
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('answers input that is not JSON with InvalidExecutionInput', async () => {
    await expect(direct.send(new StartSyncExecutionCommand({ stateMachineArn: JOURNEY_ARN, input: '{not json' }))).rejects.toMatchObject({
      name: 'InvalidExecutionInput',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('the apigateway:invoke task handler', () => {
  const { api } = loadStateMachines();
  const call = (parameters: Record<string, unknown>, apiUrl = stage.url) =>
    apiGatewayInvoke(api, apiUrl)({ ApiEndpoint: api.host, Stage: api.stage, AuthType: 'IAM_ROLE', ...parameters });

  it('answers ResponseBody parsed from JSON, Headers as lists of values, StatusCode and StatusText', async () => {
    const before = await stage.snapshot();
    const created = await call({ Method: 'POST', Path: 'companies', RequestBody: { name: 'Handler Co', employees: 1 } });
    expect(created).toMatchObject({ StatusCode: 201, StatusText: 'Created', ResponseBody: { name: 'Handler Co', employees: 1, version: 1 } });
    const { companyId } = created.ResponseBody as { companyId: string };
    expect(created.Headers).toMatchObject({ 'Content-Type': ['application/json'], ETag: ['"1"'], Location: [`/companies/${companyId}`] });
    expect(Object.values(created.Headers).every((values) => values.every((value) => typeof value === 'string'))).toBe(true);

    const deleted = await call({ Method: 'DELETE', Path: `companies/${companyId}`, Headers: { 'If-Match': ['"1"'] } });
    expect(deleted).toMatchObject({ StatusCode: 204, StatusText: 'No Content', ResponseBody: '' });
    expect(await stage.snapshot()).toBe(before);
  });

  it('fails with ApiGateway.<status> and the response body as cause when the API answers other than 2XX', async () => {
    const failure = await call({ Method: 'GET', Path: `companies/${randomUUID()}` }).catch((error: Error) => error);
    expect(failure).toMatchObject({ name: 'ApiGateway.404' });
    expect(JSON.parse((failure as Error).message)).toMatchObject({ type: 'urn:company-canary:problem:company-not-found', status: 404 });
  });

  it("answers a stage the API does not have as API Gateway does: 403 Forbidden", async () => {
    await expect(call({ Method: 'GET', Path: 'companies', Stage: 'prod' })).rejects.toMatchObject({ name: 'ApiGateway.403', message: '{"message":"Forbidden"}' });
  });

  it('fails with ApiGateway.<Exception> when there is no HTTP status', async () => {
    const closed = await startFaultProxy(stage.url);
    await closed.stop();
    await expect(call({ Method: 'GET', Path: 'companies' }, closed.url)).rejects.toMatchObject({ name: 'ApiGateway.ECONNREFUSED' });
  });

  it('refuses headers the integration does not allow, as a runtime error no Catch sees', async () => {
    await expect(call({ Method: 'GET', Path: 'companies', Headers: { Authorization: ['AWS4-HMAC-SHA256 forged'] } })).rejects.toMatchObject({
      name: 'States.Runtime',
      isCatchable: false,
      isRetryable: false,
    });
  });
});

describe('the journey when a create finds its Idempotency-Key still held', () => {
  it('waits for the key to be free (the create function times out in 6 s) and succeeds, at the definition’s own intervals', async () => {
    const before = await stage.snapshot();
    proxy.reset({ CreateCompany: once(answerStatus(409)) });
    const started = Date.now();
    const result = await runJourney(throttled);

    expect(result.status).toBe('SUCCEEDED');
    expect(proxy.seen.filter((s) => s.step === 'CreateCompany').map((s) => s.status)).toEqual([409, 201]);
    // The first retry of a 409 comes 3 s later, not at once as for a 5xx.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
    expect(await stage.snapshot()).toBe(before);
  }, 30_000);
});
