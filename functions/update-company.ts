import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type CompanyDeps, updateCompany } from './company/companies';
import type { CompanyFields } from './company/model';
import { companyDeps } from './company-deps';
import { apiHandler } from './http/api-handler';
import { ifMatchVersion, jsonBody, parameters } from './http/request';
import validators from './http/validators/updateCompany.generated';
import { companyResponse } from './http/responses';

export const updateCompanyOperation = (deps: CompanyDeps) => async (event: APIGatewayProxyEvent) => {
  const { path } = parameters<{ path: { companyId: string } }>(validators, event);
  const fields = jsonBody<CompanyFields>(validators, event);
  const expectedVersion = ifMatchVersion(event, true);
  return companyResponse(200, await updateCompany(deps, path.companyId, expectedVersion, fields));
};

export const handler = apiHandler('updateCompany', () => updateCompanyOperation(companyDeps()));
