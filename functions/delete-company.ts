import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type CompanyDeps, deleteCompany } from './company/companies';
import { companyDeps } from './company-deps';
import { apiHandler } from './http/api-handler';
import { ifMatchVersion, parameters } from './http/request';
import validators from './http/validators/deleteCompany.generated';
import { noContent } from './http/responses';

export const deleteCompanyOperation = (deps: CompanyDeps) => async (event: APIGatewayProxyEvent) => {
  const { path } = parameters<{ path: { companyId: string } }>(validators, event);
  await deleteCompany(deps, path.companyId, ifMatchVersion(event, false));
  return noContent();
};

export const handler = apiHandler('deleteCompany', () => deleteCompanyOperation(companyDeps()));
