import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_REGION } from './template/cloudformation';

/**
 * The AWS credentials of one local stage. Its functions sign with them, its Lambda, CodeDeploy, Step
 * Functions and Secrets Manager endpoints accept only requests they signed, and its DynamoDB Local keeps
 * the stage's tables in the database of this access key. Nothing else on the machine knows them unless
 * it can read the owner-only files they are written to.
 */
export interface StageCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function newStageCredentials(): StageCredentials {
  const accessKey = [...randomBytes(16)].map((byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join('');
  return { accessKeyId: `LOCAL${accessKey}`, secretAccessKey: randomBytes(30).toString('base64url') };
}

/**
 * The credentials a persisted data folder belongs to: its tables live in their access key's database,
 * so they are made once, kept beside the data (owner-only), and read again at every start.
 */
export function credentialsOfDataDir(dataDir: string): StageCredentials {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'stage-credentials.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StageCredentials;
  const credentials = newStageCredentials();
  writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
  // Stages before per-stage credentials kept their data in DynamoDB Local's one shared database.
  const shared = join(dataDir, 'shared-local-instance.db');
  if (existsSync(shared)) renameSync(shared, join(dataDir, `${credentials.accessKeyId}_${LOCAL_REGION}.db`));
  return credentials;
}
