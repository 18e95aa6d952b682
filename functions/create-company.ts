import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { type CompanyDeps, createCompany } from './company/companies';
import type { CompanyFields } from './company/model';
import { creationDeps } from './creation-deps';
import { apiHandler } from './http/api-handler';
import { jsonBody, parameters } from './http/request';
import validators from './http/validators/createCompany.generated';
import { companyResponse } from './http/responses';
import type { OncePerKey } from './store/once-per-key';

export const createCompanyOperation = (deps: CompanyDeps & { once: OncePerKey }) => async (event: APIGatewayProxyEvent, context: Context) => {
  const { header } = parameters<{ header: { 'idempotency-key'?: string } }>(validators, event);
  const fields = jsonBody<CompanyFields>(validators, event);
  const key = header['idempotency-key'];
  const company = key === undefined ? await createCompany(deps, fields) : await deps.once.run(key, fields, () => createCompany(deps, fields), context);
  return companyResponse(201, company, { Location: `/companies/${company.companyId}` });
};

export const handler = apiHandler('createCompany', () => createCompanyOperation(creationDeps()));
