import type { APIGatewayProxyEvent } from 'aws-lambda';
import { listCompanies, type ListingDeps, type ListRequest } from './company/listing';
import { listingDeps } from './listing-deps';
import { apiHandler } from './http/api-handler';
import { parameters } from './http/request';
import validators from './http/validators/listCompanies.generated';
import { json } from './http/responses';

export const listCompaniesOperation = (deps: ListingDeps) => async (event: APIGatewayProxyEvent) => {
  const { query } = parameters<{ query: ListRequest }>(validators, event);
  return json(200, await listCompanies(deps, query));
};

export const handler = apiHandler('listCompanies', () => listCompaniesOperation(listingDeps()));
