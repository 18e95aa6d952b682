import type { CompanyDeps } from './company/companies';
import { requiredEnv } from './config';
import { documentClient } from './store/dynamodb-client';
import { dynamoDbCompanyStore } from './store/dynamodb-company-store';

/** The deployed wiring: the table named by TABLE_NAME, through the module's one document client. */
export const companyDeps = (): CompanyDeps => ({ store: dynamoDbCompanyStore(documentClient, requiredEnv('TABLE_NAME')) });

