import { GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PageTokenKeyringProvider } from '../functions/secrets/page-token-keyring';
import { loadStage, type SecretSpec } from '../local/template/stage';
import { startSecretsManager } from './support/local-parts';

/** The keyring provider the list function reads page-token keys with, against the local Secrets Manager endpoint. */

const spec: SecretSpec = loadStage().secrets.find((s) => s.logicalId === 'PageTokenKey')!;
let secretsManager: Awaited<ReturnType<typeof startSecretsManager>>;
let client: SecretsManagerClient;
beforeEach(async () => {
  secretsManager = await startSecretsManager();
  client = secretsManager.client;
});
afterEach(() => secretsManager.stop());

const current = () => client.send(new GetSecretValueCommand({ SecretId: spec.arn }));
const rotate = (SecretString: string) => client.send(new PutSecretValueCommand({ SecretId: spec.arn, SecretString }));

it('reads the current key, active from its creation plus the cache age, and no previous one before a rotation', async () => {
  const { SecretString, CreatedDate } = await current();
  expect(await new PageTokenKeyringProvider(client, 300).keyring(spec.arn)).toEqual({
    current: SecretString,
    currentActiveFrom: new Date(CreatedDate!.getTime() + 300_000),
  });
});

it('keeps what it read for its cache age, so a rotation shows only once that has passed', async () => {
  const cached = new PageTokenKeyringProvider(client, 1);
  const before = await cached.keyring(spec.arn);
  await rotate('rotated-key');
  const created = (await current()).CreatedDate!;
  expect(await cached.keyring(spec.arn)).toEqual(before);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  expect(await cached.keyring(spec.arn)).toEqual({
    current: 'rotated-key',
    currentActiveFrom: new Date(created.getTime() + 1000),
    previous: before.current,
  });
});

it('fails loudly when the secret cannot be read', async () => {
  await expect(new PageTokenKeyringProvider(client).keyring(`${spec.arn}-missing`)).rejects.toThrow(/can't find the specified secret/);
});
