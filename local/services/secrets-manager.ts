import { randomInt, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { StageCredentials } from '../credentials';
import type { SecretSpec } from '../template/stage';
import { awsJsonServer, ServiceError } from './aws-json-protocol';

/**
 * The secrets of template.yaml, served over real HTTP in Secrets Manager's AWS JSON 1.1 protocol, so the
 * functions read them unchanged through AWS_ENDPOINT_URL_SECRETS_MANAGER. Each value is generated from the
 * secret's GenerateSecretString when the stage starts. GetSecretValue reads a version by stage or id;
 * PutSecretValue rotates: the new version becomes AWSCURRENT, the one it replaces AWSPREVIOUS.
 */

interface SecretVersion {
  versionId: string;
  secretString: string;
  createdAt: Date;
  stages: string[];
}

interface LocalSecret {
  spec: SecretSpec;
  versions: SecretVersion[];
}

const CHARACTER_CLASSES = {
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  punctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
};

/** A password as GenerateSecretString makes one: every included character class appears at least once. */
export function generatePassword({ passwordLength, excludePunctuation }: SecretSpec['generate']): string {
  const { punctuation, ...alphanumeric } = CHARACTER_CLASSES;
  const classes = Object.values(excludePunctuation ? alphanumeric : { ...alphanumeric, punctuation });
  if (passwordLength < classes.length) throw new Error(`PasswordLength ${passwordLength} cannot hold one character of each of ${classes.length} classes`);
  const alphabet = classes.join('');
  for (;;) {
    const password = Array.from({ length: passwordLength }, () => alphabet[randomInt(alphabet.length)]).join('');
    if (classes.every((chars) => [...password].some((c) => chars.includes(c)))) return password;
  }
}

export class LocalSecretsManager {
  private readonly secrets: LocalSecret[];

  constructor(specs: SecretSpec[]) {
    this.secrets = specs.map((spec) => ({
      spec,
      versions: [{ versionId: randomUUID(), secretString: generatePassword(spec.generate), createdAt: new Date(), stages: ['AWSCURRENT'] }],
    }));
  }

  handle(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case 'GetSecretValue':
        return this.getSecretValue(input);
      case 'PutSecretValue':
        return this.putSecretValue(input);
      default:
        throw new ServiceError('UnknownOperationException', `Operation ${operation} is not served locally`);
    }
  }

  private secret(secretId: unknown): LocalSecret {
    if (typeof secretId !== 'string' || !secretId) throw new ServiceError('InvalidParameterException', 'SecretId is required');
    const found = this.secrets.find(({ spec }) => spec.arn === secretId || spec.name === secretId);
    if (!found) throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return found;
  }

  private getSecretValue({ SecretId, VersionId, VersionStage }: Record<string, unknown>) {
    const secret = this.secret(SecretId);
    const stage = VersionStage ?? (VersionId === undefined ? 'AWSCURRENT' : undefined);
    const version = secret.versions.find(
      (v) => (VersionId === undefined || v.versionId === VersionId) && (stage === undefined || v.stages.includes(stage as string)),
    );
    if (!version) {
      const wanted = [VersionId && `VersionId ${VersionId}`, stage && `staging label ${stage}`].filter(Boolean).join(' and ');
      throw new ServiceError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for ${wanted}`);
    }
    return {
      ARN: secret.spec.arn,
      Name: secret.spec.name,
      VersionId: version.versionId,
      SecretString: version.secretString,
      VersionStages: version.stages,
      // Epoch seconds, as the service sends timestamps in this protocol.
      CreatedDate: version.createdAt.getTime() / 1000,
    };
  }

  private putSecretValue({ SecretId, SecretString, ClientRequestToken, VersionStages }: Record<string, unknown>) {
    const secret = this.secret(SecretId);
    if (typeof SecretString !== 'string' || !SecretString) throw new ServiceError('InvalidParameterException', 'The local stage stores SecretString values only');
    if (VersionStages !== undefined && JSON.stringify(VersionStages) !== '["AWSCURRENT"]') {
      throw new ServiceError('InvalidParameterException', 'The local stage moves AWSCURRENT only; VersionStages must be left out');
    }
    const versionId = typeof ClientRequestToken === 'string' && ClientRequestToken ? ClientRequestToken : randomUUID();
    const existing = secret.versions.find((v) => v.versionId === versionId);
    if (existing && existing.secretString !== SecretString) {
      throw new ServiceError('ResourceExistsException', `Version ${versionId} already exists with another value; versions cannot be changed`);
    }
    if (!existing) {
      for (const version of secret.versions) {
        version.stages = version.stages.includes('AWSCURRENT') ? ['AWSPREVIOUS'] : version.stages.filter((s) => s !== 'AWSPREVIOUS');
      }
      secret.versions.push({ versionId, secretString: SecretString, createdAt: new Date(), stages: ['AWSCURRENT'] });
    }
    const stored = existing ?? secret.versions.at(-1)!;
    return { ARN: secret.spec.arn, Name: secret.spec.name, VersionId: stored.versionId, VersionStages: stored.stages };
  }
}

export function createSecretsManagerServer(secretsManager: LocalSecretsManager, credentials: StageCredentials): Server {
  return awsJsonServer(
    {
      contentType: 'application/x-amz-json-1.1',
      targetPrefix: 'secretsmanager.',
      handle: (operation, input) => secretsManager.handle(operation, input),
    },
    credentials,
  );
}
