import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type CompanyDeps, getCompany } from './company/companies';
import { companyDeps } from './company-deps';
import { apiHandler } from './http/api-handler';
import { parameters } from './http/request';
import validators from './http/validators/getCompany.generated';
import { companyResponse } from './http/responses';

export const getCompanyOperation = (deps: CompanyDeps) => async (event: APIGatewayProxyEvent) => {
  const { path } = parameters<{ path: { companyId: string } }>(validators, event);
  return companyResponse(200, await getCompany(deps, path.companyId));
};

export const handler = apiHandler('getCompany', () => getCompanyOperation(companyDeps()));
