import type { ListingDeps } from './company/listing';
import { optionalCountEnv, requiredEnv } from './config';
import { KEYRING_MAX_AGE_SECONDS, PageTokenKeyringProvider } from './secrets/page-token-keyring';
import { secretsManagerClient } from './secrets/secrets-manager-client';
import { documentClient } from './store/dynamodb-client';
import { dynamoDbCompanyStore } from './store/dynamodb-company-store';

/**
 * The listing's wiring: the Company store with its name index (COMPANY_NAME_INDEX), and the page-token
 * keys from the secret PAGE_TOKEN_SECRET_ARN names, kept for KEYRING_MAX_AGE_SECONDS unless
 * PAGE_TOKEN_KEY_MAX_AGE_SECONDS says otherwise (tests rotate with 0). Apart from company-deps, so that the
 * other functions' bundles carry no Secrets Manager client.
 */
export const listingDeps = (): ListingDeps => {
  const secretArn = requiredEnv('PAGE_TOKEN_SECRET_ARN');
  const keyrings = new PageTokenKeyringProvider(secretsManagerClient, optionalCountEnv('PAGE_TOKEN_KEY_MAX_AGE_SECONDS', KEYRING_MAX_AGE_SECONDS));
  return {
    store: dynamoDbCompanyStore(documentClient, requiredEnv('TABLE_NAME'), requiredEnv('COMPANY_NAME_INDEX')),
    pageTokenKeys: () => keyrings.keyring(secretArn),
  };
};
