import { BaseProvider } from '@aws-lambda-powertools/parameters/base';
import { GetSecretValueCommand, ResourceNotFoundException, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { PageTokenKeyring } from '../company/page-token';

/**
 * How long a function keeps the keys it read before reading them again. A rotated key starts signing only
 * this long after it was made current, once every function has read it and can verify what it signs.
 */
export const KEYRING_MAX_AGE_SECONDS = 5 * 60;

/** Reads the page-token keyring from a secret's current and previous versions, cached by Powertools. */
export class PageTokenKeyringProvider extends BaseProvider {
  constructor(
    private readonly secrets: SecretsManagerClient,
    private readonly maxAgeSeconds = KEYRING_MAX_AGE_SECONDS,
  ) {
    super({ awsSdkV3Client: secrets });
  }

  async keyring(secretId: string): Promise<PageTokenKeyring> {
    return (await this.get(secretId, { maxAge: this.maxAgeSeconds })) as PageTokenKeyring;
  }

  protected override async _get(secretId: string): Promise<PageTokenKeyring> {
    // Current first: a rotation between the two reads then yields the old current twice, a keyring that
    // still verifies everything signed before, rather than one that skips the key in between.
    const current = await this.version(secretId, 'AWSCURRENT');
    const previous = await this.version(secretId, 'AWSPREVIOUS').catch((error: unknown) => {
      if (error instanceof ResourceNotFoundException) return undefined; // never rotated
      throw error;
    });
    return {
      current: current.value,
      currentActiveFrom: new Date(current.createdAt.getTime() + this.maxAgeSeconds * 1000),
      ...(previous && { previous: previous.value }),
    };
  }

  protected override _getMultiple(): Promise<undefined> {
    throw new Error('A keyring is read from one secret, by get');
  }

  private async version(secretId: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS') {
    const { SecretString, CreatedDate } = await this.secrets.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
    if (!SecretString || !CreatedDate) throw new Error(`Secret ${secretId} (${stage}) has no SecretString; page tokens need a text key`);
    return { value: SecretString, createdAt: CreatedDate };
  }
}
