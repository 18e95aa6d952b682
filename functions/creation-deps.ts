import { companyDeps } from './company-deps';
import { requiredEnv } from './config';
import { dynamoDbClient } from './store/dynamodb-client';
import { dynamoDbOncePerKey } from './store/once-per-key';

/**
 * Creation's wiring: the Company store, and the Idempotency-Key records in the table IDEMPOTENCY_TABLE_NAME
 * names. Apart from company-deps, so that the other functions' bundles carry no Powertools Idempotency.
 */
export const creationDeps = () => ({ ...companyDeps(), once: dynamoDbOncePerKey(dynamoDbClient, requiredEnv('IDEMPOTENCY_TABLE_NAME')) });
