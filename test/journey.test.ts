import { DescribeStateMachineCommand, SFNClient, StartSyncExecutionCommand, type StartSyncExecutionOutput } from '@aws-sdk/client-sfn';
import { randomUUID } from 'node:crypto';
import { dynamoDbCompanyStore } from '../functions/store/dynamodb-company-store';
import { newStageCredentials } from '../local/credentials';
import { startStepFunctionsServer, type StepFunctionsServer } from '../local/services/stepfunctions/server';
import { apiGatewayInvoke } from '../local/services/stepfunctions/api-gateway-invoke';
import { loadStateMachines } from '../local/services/stepfunctions/state-machines';
import { CONFIDENCE, FAILURE_SHARE_TO_CATCH, journeyPasses } from '../hooks/journey';
import {
  answerJson,
  answerStatus,
  everyNth,
  type Fault,
  type FaultProxy,
  inPass,
  type JourneyStep,
  once,
  rewrite,
  startFaultProxy,
} from './support/journey-fault-proxy';
import { apiClient } from './support/http';
import { documentClient, startTestStage } from './support/local-parts';

/**
 * The company journey state machine, run by the local Step Functions through the real SDK client, against
 * the local API: directly, and through a proxy that makes the API misbehave at one step at a time, in one
 * pass or in several.
 */

const JOURNEY_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:company-canary-company-journey';
/** More than two pages of 100: the journey must find its company without paging through them. */
const OTHER_COMPANIES = 250;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** As many passes as the PostTraffic hook asks for. */
const PASSES = journeyPasses().length;
/** The pass a test makes misbehave; the others run beside it, the first of them at the same time. */
const FAULTY_PASS = 2;
/** The steps of a pass that call the API, in their order. */
const STEPS: JourneyStep[] = ['CreateCompany', 'GetCompany', 'ListCompanies', 'UpdateCompany', 'StaleUpdate', 'DeleteCompany', 'GetDeletedCompany'];

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
  client.send(new StartSyncExecutionCommand({ stateMachineArn: JOURNEY_ARN, input: JSON.stringify({ passes: journeyPasses() }) }));

/** The passes that went all the way to the 404 after their delete. */
const passesCompleted = () =>
  proxy.seen
    .filter((s) => s.step === 'GetDeletedCompany' && s.status === 404)
    .map((s) => s.pass)
    .sort((a, b) => a - b);
const allPassesBut = (pass: number) => journeyPasses().filter((p) => p !== pass);

describe('how many passes', () => {
  it('are enough for a function failing a fifth of its calls to fail one of them with 99 % probability, and no more', () => {
    expect(PASSES).toBe(21);
    expect((1 - FAILURE_SHARE_TO_CATCH) ** PASSES).toBeLessThanOrEqual(1 - CONFIDENCE);
    expect((1 - FAILURE_SHARE_TO_CATCH) ** (PASSES - 1)).toBeGreaterThan(1 - CONFIDENCE);
  });
});

describe('the journey against the local API', () => {
  it('succeeds and leaves the table byte for byte as it found it', async () => {
    const before = await stage.snapshot();
    const started = new Date();
    const result = await runJourney(direct);

    expect(result.status).toBe('SUCCEEDED');
    expect(result.error).toBeUndefined();
    const output = JSON.parse(result.output!) as { passes: number; outcomes: { companyId: string }[] };
    expect(output.passes).toBe(PASSES);
    // Found by its name in one call, among more companies than a page holds.
    expect(output.outcomes).toEqual(journeyPasses().map((pass) => ({ outcome: 'passed', pass, companyId: expect.stringMatching(UUID), listAttempts: 1 })));
    // A company of its own for each pass.
    expect(new Set(output.outcomes.map((o) => o.companyId)).size).toBe(PASSES);
    expect(result.stateMachineArn).toBe(JOURNEY_ARN);
    expect(result.executionArn).toMatch(new RegExp(`^arn:aws:states:us-east-1:000000000000:express:company-canary-company-journey:${result.name}:[0-9a-f-]{36}$`));
    expect(result.startDate!.getTime()).toBeGreaterThanOrEqual(started.getTime() - 1000);
    expect(result.stopDate!.getTime()).toBeGreaterThanOrEqual(result.startDate!.getTime());
    expect(result.billingDetails?.billedDurationInMilliseconds).toBeGreaterThanOrEqual(100);
    expect(await stage.snapshot()).toBe(before);
  });

  it('calls each Company function once or twice a pass, never with more than three requests at a time', async () => {
    proxy.reset();
    const result = await runJourney(faulty);

    expect(result.status).toBe('SUCCEEDED');
    const calls = (...steps: JourneyStep[]) => steps.reduce((sum, step) => sum + proxy.attempts(step), 0);
    expect({
      CreateCompany: calls('CreateCompany'),
      GetCompany: calls('GetCompany', 'GetDeletedCompany'),
      ListCompanies: calls('ListCompanies'),
      UpdateCompany: calls('UpdateCompany', 'StaleUpdate'),
      DeleteCompany: calls('DeleteCompany'),
    }).toEqual({ CreateCompany: PASSES, GetCompany: 2 * PASSES, ListCompanies: PASSES, UpdateCompany: 2 * PASSES, DeleteCompany: PASSES });
    expect(proxy.seen).toHaveLength(STEPS.length * PASSES);
    // Passes run side by side, but no more than the Map's MaxConcurrency, which keeps the journey inside the stage's throttling.
    expect(proxy.peakInFlight).toBeGreaterThan(1);
    expect(proxy.peakInFlight).toBeLessThanOrEqual(3);
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
  {
    title: 'create answers 200 instead of 201',
    faults: { CreateCompany: rewrite(() => ({ status: 200 })) },
    error: 'CreateCompany.UnexpectedResponse.200',
    status: 200,
    attempts: 1,
    cleanup: 204,
  },
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
  {
    title: 'the deleted company is still found',
    faults: { GetDeletedCompany: answerJson(200, {}) },
    error: 'GetDeletedCompany.UnexpectedResponse.200',
    status: 200,
    attempts: 1,
    cleanup: 404,
  },
];

/** The same faults, in one pass only. */
const inFaultyPass = (faults: Partial<Record<JourneyStep, Fault>>) =>
  Object.fromEntries(Object.entries(faults).map(([step, fault]) => [step, inPass(FAULTY_PASS, fault)]));

describe('the journey when the API misbehaves at one step', () => {
  it.each(failures)('fails naming the step and status, and cleans up, when $title', async ({ faults, error, status, attempts, cleanup }) => {
    const before = await stage.snapshot();
    proxy.reset(inFaultyPass(faults));
    const result = await runJourney(faulty);

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(error);
    const step = error.split('.')[0]! as JourneyStep;
    expect(result.cause).toContain(step);
    expect(result.cause).toContain(String(status));
    expect(result.cause).toMatch(new RegExp(`^1 of ${PASSES} passes failed: `));
    expect(result.cause).toContain(`The first, pass ${FAULTY_PASS}: ${step}`);
    expect(proxy.attempts(step, FAULTY_PASS)).toBe(attempts);
    expect(proxy.seen.filter((s) => s.step === 'CleanUp').map((s) => s.status)).toEqual(cleanup ? [cleanup] : []);
    expect(passesCompleted()).toEqual(allPassesBut(FAULTY_PASS));
    expect(await stage.snapshot()).toBe(before);
  });

  it('reports the company left behind when the cleanup cannot delete it', async () => {
    const before = await stage.snapshot();
    proxy.reset(inFaultyPass({ UpdateCompany: answerStatus(500), CleanUp: answerStatus(500) }));
    const result = await runJourney(faulty);

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('UpdateCompany.ApiGateway.500');
    const leftBehind = /could not delete company ([0-9a-f-]{36})/.exec(result.cause ?? '')?.[1];
    expect(leftBehind).toMatch(UUID);
    expect(result.cause).toContain(`pass ${FAULTY_PASS}: UpdateCompany.ApiGateway.500 (company ${leftBehind} left behind)`);
    expect(proxy.attempts('CleanUp')).toBe(4);
    expect(await stage.snapshot()).not.toBe(before);

    expect((await apiClient(stage.url)('DELETE', `/companies/${leftBehind}`)).status).toBe(204);
    expect(await stage.snapshot()).toBe(before);
  });
});

describe('the journey when the live API answers 500, 502 or 504', () => {
  const serverErrors = STEPS.flatMap((step) => [500, 502, 504].map((status) => ({ step, status })));

  it.each(serverErrors)('fails at once when $step answers $status, naming both, and leaves nothing behind', async ({ step, status }) => {
    const before = await stage.snapshot();
    proxy.reset({ [step]: inPass(FAULTY_PASS, answerStatus(status)) });
    const result = await runJourney(faulty);

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(`${step}.ApiGateway.${status}`);
    expect(result.cause).toMatch(new RegExp(`^1 of ${PASSES} passes failed: \\["pass ${FAULTY_PASS}: ${step}\\.ApiGateway\\.${status} \\([^)]+\\)"\\]\\. `));
    expect(result.cause).toContain(`The first, pass ${FAULTY_PASS}: ${step} failed: {"Error":"ApiGateway.${status}"`);
    // Not retried: one request for the step in the failing pass.
    expect(proxy.attempts(step, FAULTY_PASS)).toBe(1);
    // The failing pass did not stop the others.
    expect(passesCompleted()).toEqual(allPassesBut(FAULTY_PASS));
    expect(await stage.snapshot()).toBe(before);
  });
});

describe('the journey when the API throttles', () => {
  it.each([429, 503])("retries every step answered %i once, at the definition's own intervals, and succeeds", async (status) => {
    const before = await stage.snapshot();
    proxy.reset(Object.fromEntries(STEPS.map((step) => [step, inPass(FAULTY_PASS, once(answerStatus(status)))])));
    const result = await runJourney(throttled);

    expect(result.status).toBe('SUCCEEDED');
    for (const step of STEPS) {
      const answers = proxy.seen.filter((s) => s.step === step && s.pass === FAULTY_PASS).map((s) => s.status);
      expect(answers).toEqual([status, expect.any(Number)]);
      expect(answers[1]).toBeLessThan(500);
    }
    expect(proxy.attempts('CleanUp')).toBe(0);
    expect(await stage.snapshot()).toBe(before);
  });
});

describe('the journey when a create is answered 500 after the company was stored', () => {
  it('fails naming CreateCompany and 500, and removes the company the create stored, found by its name', async () => {
    const before = await stage.snapshot();
    proxy.reset({ CreateCompany: inPass(FAULTY_PASS, rewrite(() => ({ status: 500 }))) });
    const result = await runJourney(faulty);

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('CreateCompany.ApiGateway.500');
    expect(result.cause).toMatch(new RegExp(`^1 of ${PASSES} passes failed: `));
    expect(result.cause).toContain(`["pass ${FAULTY_PASS}: CreateCompany.ApiGateway.500 (company removed)"]`);
    const stored = proxy.seen.find((s) => s.step === 'CreateCompany' && s.pass === FAULTY_PASS)?.companyId;
    expect(stored).toMatch(UUID);
    // Not created again: no retry; found by its name at the first look, and deleted by the id the API gave it.
    expect(proxy.seen.filter((s) => s.pass === FAULTY_PASS).map(({ step, status, companyId }) => ({ step, status, companyId }))).toEqual([
      { step: 'CreateCompany', status: 500, companyId: stored },
      { step: 'CleanUpLookup', status: 200, companyId: undefined },
      { step: 'CleanUp', status: 204, companyId: stored },
    ]);
    expect(await stage.snapshot()).toBe(before);
  });
});

describe('the journey against a version that fails every fifth request of one step', () => {
  // Every fifth rather than a random fifth: a version failing a random 20 % of its reads gets through all 21
  // passes 0.8^21 ≈ 0.9 % of the time, so a random fault would make this test fail about once in 110 runs;
  // every fifth of the 21 reads fails 4 of them, every run. The 99 % is a property of the pass count, which
  // "how many passes" checks.
  it('fails the journey, naming the step, the status and how many passes failed', async () => {
    const before = await stage.snapshot();
    proxy.reset({ GetCompany: everyNth(5, answerStatus(500)) });
    const result = await runJourney(faulty);

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('GetCompany.ApiGateway.500');
    expect(result.cause).toMatch(new RegExp(`^4 of ${PASSES} passes failed: `));
    const failed = proxy.seen.filter((s) => s.step === 'GetCompany' && s.status === 500).map((s) => s.pass);
    expect(new Set(failed).size).toBe(4);
    for (const pass of failed) expect(proxy.attempts('GetCompany', pass)).toBe(1);
    expect(passesCompleted()).toEqual(journeyPasses().filter((pass) => !failed.includes(pass)));
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
  it('waits for the key to be free (the create function times out in 3 s) and succeeds, at the definition’s own intervals', async () => {
    const before = await stage.snapshot();
    proxy.reset({ CreateCompany: inPass(FAULTY_PASS, once(answerStatus(409))) });
    const started = Date.now();
    const result = await runJourney(throttled);

    expect(result.status).toBe('SUCCEEDED');
    expect(proxy.seen.filter((s) => s.step === 'CreateCompany' && s.pass === FAULTY_PASS).map((s) => s.status)).toEqual([409, 201]);
    // The first retry of a 409 comes 3 s later, not at once as for a 5xx.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
    expect(await stage.snapshot()).toBe(before);
  }, 30_000);
});
