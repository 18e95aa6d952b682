import type { APIGatewayProxyEvent } from 'aws-lambda';
import { InvalidRequest, MalformedJson, PayloadTooLarge, PreconditionRequired, UnsupportedMediaType } from './request-errors';
import type { OperationValidators } from './operation-validators';
import { validate } from './validation';

/** Reads an API Gateway proxy event into plain, validated values; the domain never sees the event. */

export const MAX_BODY_BYTES = 16 * 1024;

function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const entry = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === wanted);
  return entry?.[1] ?? undefined;
}

/**
 * Path, query and header parameters (header names in lower case): first as sent, then coerced to their
 * types by the operation's parameter schema.
 */
export function parameters<T>(operation: OperationValidators, event: APIGatewayProxyEvent): T {
  const header = Object.fromEntries(Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  const params = { path: { ...event.pathParameters }, query: { ...event.queryStringParameters }, header };
  if (operation.paramsWire) validate(operation, operation.paramsWire, params);
  return validate<T>(operation, operation.params, params);
}

/** The JSON body, validated by the operation's body schema. */
export function jsonBody<T>(operation: OperationValidators, event: APIGatewayProxyEvent): T {
  if (!operation.body) throw new Error(`${operation.operationId} takes no body in the contract`);
  const contentType = header(event, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') throw new UnsupportedMediaType();
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw new PayloadTooLarge(MAX_BODY_BYTES);
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new MalformedJson();
  }
  return validate<T>(operation, operation.body, body, '/body');
}

const STRONG_ETAG = /^"([1-9][0-9]{0,14})"$/;

/**
 * The version named by If-Match. Only one strong ETag such as "3" protects an update; `*`, weak or
 * multiple tags are refused, because none of them says which version the client read.
 */
export function ifMatchVersion(event: APIGatewayProxyEvent, required: true): number;
export function ifMatchVersion(event: APIGatewayProxyEvent, required: false): number | undefined;
export function ifMatchVersion(event: APIGatewayProxyEvent, required: boolean): number | undefined {
  const value = header(event, 'if-match')?.trim();
  if (value === undefined || value === '') {
    if (required) throw new PreconditionRequired();
    return undefined;
  }
  const match = STRONG_ETAG.exec(value);
  if (!match) {
    throw new InvalidRequest([{ path: '/header/If-Match', message: 'must be one ETag as returned by this API, such as "3"' }]);
  }
  return Number(match[1]);
}
