import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { randomBytes } from 'node:crypto';
import { InvalidPageToken } from '../functions/company/errors';
import { pageTokenCodec } from '../functions/company/page-token';
import { LOCAL_REGION } from '../local/template/cloudformation';
import { apiClient } from './support/http';
import { startTestStage } from './support/local-parts';

/**
 * Rotating the page-token key on a running stage, as an operator would on AWS: put-secret-value through the
 * real SDK. Listing reads the secret at run time, so tokens issued before the rotation still read, and new
 * ones are signed with the new key. The functions here keep no cache (maxAge 0), so a new key signs at once.
 */

let stage: Awaited<ReturnType<typeof startTestStage>>;
let secrets: SecretsManagerClient;
let call: ReturnType<typeof apiClient>;
let secretArn: string;

beforeAll(async () => {
  stage = await startTestStage('rotation', { environment: { ListCompaniesFunction: { PAGE_TOKEN_KEY_MAX_AGE_SECONDS: '0' } } });
  call = apiClient(stage.url);
  secrets = new SecretsManagerClient({ region: LOCAL_REGION, credentials: stage.credentials, endpoint: stage.endpoints.AWS_ENDPOINT_URL_SECRETS_MANAGER });
  secretArn = stage.model.functions.find((fn) => fn.logicalId === 'ListCompaniesFunction')!.environment.PAGE_TOKEN_SECRET_ARN!;
  for (let i = 0; i < 4; i++) expect((await call('POST', '/companies', { json: { name: `Rotated ${i}`, employees: i } })).status).toBe(201);
});
afterAll(async () => {
  secrets.destroy();
  await stage.stop();
});

const currentKey = async () => (await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString!;
const rotate = () => secrets.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: randomBytes(32).toString('hex') }));
const page = (nextToken?: string) => call('GET', `/companies?limit=1${nextToken ? `&nextToken=${nextToken}` : ''}`);
/** Whether `token` verifies under `key` alone. */
const signedWith = (key: string, token: string) => {
  try {
    pageTokenCodec({ current: key, currentActiveFrom: new Date(0) }, () => new Date()).decode(token);
    return true;
  } catch (error) {
    if (error instanceof InvalidPageToken) return false;
    throw error;
  }
};

it('a token from before a rotation still reads the next page, whose token is signed with the new key', async () => {
  const oldKey = await currentKey();
  const first = await page();
  expect(first.status).toBe(200);
  expect(signedWith(oldKey, first.body.nextToken)).toBe(true);

  await rotate();
  const newKey = await currentKey();
  expect(newKey).not.toBe(oldKey);
  const second = await page(first.body.nextToken);
  expect(second.status).toBe(200);
  expect(second.body.items[0].companyId).not.toBe(first.body.items[0].companyId);
  expect(signedWith(newKey, second.body.nextToken)).toBe(true);
  expect(signedWith(oldKey, second.body.nextToken)).toBe(false);
  expect((await page(second.body.nextToken)).status).toBe(200);
});

it('a second rotation retires the key before: its tokens are refused, the current ones still read', async () => {
  const kept = (await page()).body.nextToken;
  await rotate();
  expect((await page(kept)).status).toBe(200);
  await rotate();
  const refused = await page(kept);
  expect(refused.status).toBe(400);
  expect(refused.body.type).toBe('urn:company-canary:problem:invalid-next-token');
});
