import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type CompanyDeps, listCompanies } from './company/companies';
import type { PageTokenCodec } from './company/page-token';
import { listingDeps } from './company-deps';
import { apiHandler } from './http/api-handler';
import { parameters } from './http/request';
import { json } from './http/responses';

export const listCompaniesOperation =
  (deps: CompanyDeps & { pageTokens: PageTokenCodec }) => async (event: APIGatewayProxyEvent) => {
    const { query } = parameters<{ query: { limit: number; nextToken?: string } }>('listCompanies', event);
    return json(200, await listCompanies(deps, query));
  };

export const handler = apiHandler('listCompanies', () => listCompaniesOperation(listingDeps()));
