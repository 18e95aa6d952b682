import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * The one Secrets Manager client of a function, created at module load so every invocation of an execution
 * environment reuses its connections. The endpoint comes from AWS_ENDPOINT_URL_SECRETS_MANAGER when set.
 */
export const secretsManagerClient = new SecretsManagerClient({});
