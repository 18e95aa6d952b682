import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type CompanyDeps, createCompany } from './company/companies';
import type { CompanyFields } from './company/model';
import { companyDeps } from './company-deps';
import { apiHandler } from './http/api-handler';
import { jsonBody, parameters } from './http/request';
import { companyResponse } from './http/responses';

export const createCompanyOperation = (deps: CompanyDeps) => async (event: APIGatewayProxyEvent) => {
  parameters('createCompany', event);
  const company = await createCompany(deps, jsonBody<CompanyFields>('createCompany', event));
  return companyResponse(201, company, { Location: `/companies/${company.companyId}` });
};

export const handler = apiHandler('createCompany', () => createCompanyOperation(companyDeps()));
