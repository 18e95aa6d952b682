import type { ListingDeps } from './company/companies';
import { companyDeps } from './company-deps';
import { optionalCountEnv, requiredEnv } from './config';
import { KEYRING_MAX_AGE_SECONDS, PageTokenKeyringProvider } from './secrets/page-token-keyring';
import { secretsManagerClient } from './secrets/secrets-manager-client';

/**
 * The listing's wiring: the Company store, and the page-token keys from the secret PAGE_TOKEN_SECRET_ARN
 * names, kept for KEYRING_MAX_AGE_SECONDS unless PAGE_TOKEN_KEY_MAX_AGE_SECONDS says otherwise (tests
 * rotate with 0). Apart from company-deps, so that the other functions' bundles carry no Secrets Manager client.
 */
export const listingDeps = (): ListingDeps => {
  const secretArn = requiredEnv('PAGE_TOKEN_SECRET_ARN');
  const keyrings = new PageTokenKeyringProvider(secretsManagerClient, optionalCountEnv('PAGE_TOKEN_KEY_MAX_AGE_SECONDS', KEYRING_MAX_AGE_SECONDS));
  return { ...companyDeps(), pageTokenKeys: () => keyrings.keyring(secretArn) };
};
