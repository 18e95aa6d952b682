import { GetSecretValueCommand, PutSecretValueCommand, ResourceExistsException, ResourceNotFoundException, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { generatePassword } from '../local/services/secrets-manager';
import { LOCAL_REGION } from '../local/template/cloudformation';
import { loadStage, type SecretSpec } from '../local/template/stage';
import { startSecretsManager } from './support/local-parts';

/** The local Secrets Manager endpoint, holding template.yaml's secrets, through the real SDK client. */

const spec: SecretSpec = loadStage().secrets.find((s) => s.logicalId === 'PageTokenKey')!;
let secretsManager: Awaited<ReturnType<typeof startSecretsManager>>;
let client: SecretsManagerClient;
beforeEach(async () => {
  secretsManager = await startSecretsManager();
  client = secretsManager.client;
});
afterEach(() => secretsManager.stop());

const current = (SecretId = spec.arn) => client.send(new GetSecretValueCommand({ SecretId }));
const rotate = (SecretString: string, ClientRequestToken?: string) =>
  client.send(new PutSecretValueCommand({ SecretId: spec.arn, SecretString, ClientRequestToken }));

it("serves the template's secret by ARN and by name, generated as its GenerateSecretString says", async () => {
  expect(spec.arn).toMatch(new RegExp(`^arn:aws:secretsmanager:${LOCAL_REGION}:\\d{12}:secret:${spec.name}-[0-9a-f]{6}$`));
  const byArn = await current();
  expect(byArn).toMatchObject({ ARN: spec.arn, Name: spec.name, VersionStages: ['AWSCURRENT'] });
  expect(byArn.SecretString).toMatch(/^[A-Za-z0-9]{64}$/);
  expect(Math.abs(byArn.CreatedDate!.getTime() - Date.now())).toBeLessThan(5000);
  expect((await current(spec.name)).SecretString).toBe(byArn.SecretString);
});

it('answers ResourceNotFoundException for an unknown secret, and for a stage no version holds', async () => {
  await expect(current(`${spec.arn}x`)).rejects.toBeInstanceOf(ResourceNotFoundException);
  await expect(client.send(new GetSecretValueCommand({ SecretId: spec.arn, VersionStage: 'AWSPREVIOUS' }))).rejects.toThrow(
    /can't find the specified secret value for staging label AWSPREVIOUS/,
  );
});

it('PutSecretValue makes the new version AWSCURRENT and the one it replaces AWSPREVIOUS', async () => {
  const first = await current();
  const put = await rotate('second-value');
  expect(put.VersionStages).toEqual(['AWSCURRENT']);
  expect(await current()).toMatchObject({ SecretString: 'second-value', VersionId: put.VersionId });
  const previous = await client.send(new GetSecretValueCommand({ SecretId: spec.arn, VersionStage: 'AWSPREVIOUS' }));
  expect(previous).toMatchObject({ SecretString: first.SecretString, VersionId: first.VersionId, VersionStages: ['AWSPREVIOUS'] });

  await rotate('third-value');
  const byId = await client.send(new GetSecretValueCommand({ SecretId: spec.arn, VersionId: first.VersionId }));
  expect(byId).toMatchObject({ SecretString: first.SecretString, VersionStages: [] });
});

it('takes a repeated ClientRequestToken as the same request, and refuses it with another value', async () => {
  const generated = (await current()).SecretString;
  const token = 'a'.repeat(32);
  const once = await rotate('value-one', token);
  expect((await rotate('value-one', token)).VersionId).toBe(once.VersionId);
  await expect(rotate('value-two', token)).rejects.toBeInstanceOf(ResourceExistsException);
  // Rotated once only: the generated value is still the previous one.
  const previous = await client.send(new GetSecretValueCommand({ SecretId: spec.arn, VersionStage: 'AWSPREVIOUS' }));
  expect(previous.SecretString).toBe(generated);
});

it('generates with punctuation unless excluded, every character class present', () => {
  for (let i = 0; i < 50; i++) {
    const password = generatePassword({ passwordLength: 4, excludePunctuation: false });
    expect(password).toMatch(/^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[^A-Za-z0-9]).{4}$/);
  }
});
