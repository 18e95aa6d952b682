import type { APIGatewayProxyResult } from 'aws-lambda';
import type { Company } from '../company/model';
import { CompanyNotFound, ExpiredPageToken, IdempotencyKeyReused, InvalidPageToken, RequestInProgress, VersionConflict } from '../company/errors';
import {
  type FieldError,
  InvalidRequest,
  MalformedJson,
  PayloadTooLarge,
  PreconditionRequired,
  UnsupportedMediaType,
} from './request-errors';

/** The one place that shapes HTTP responses: successes, and every RFC 9457 problem. */

const PROBLEM_TYPE = 'urn:company-canary:problem:';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  errors?: FieldError[];
}

export const etag = (company: Company) => `"${company.version}"`;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode: status, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export const companyResponse = (status: 200 | 201, company: Company, headers: Record<string, string> = {}) =>
  json(status, company, { ETag: etag(company), ...headers });

export const noContent = (): APIGatewayProxyResult => ({ statusCode: 204, headers: {}, body: '' });

export function problemResponse(problem: Problem): APIGatewayProxyResult {
  return {
    statusCode: problem.status,
    headers: { 'Content-Type': 'application/problem+json' },
    body: JSON.stringify(problem),
  };
}

const problem = (slug: string, status: number, title: string, detail: string, extra: Partial<Problem> = {}): Problem => ({
  type: PROBLEM_TYPE + slug,
  title,
  status,
  detail,
  ...extra,
});

/**
 * Maps an error to the problem a client sees. Known errors say what to do next; anything else is a 500
 * that names only the request id, so no internal detail ever reaches a client.
 */
export function problemFor(error: unknown, requestId: string): Problem {
  if (error instanceof InvalidRequest)
    return problem('validation-failed', 400, 'Request validation failed', 'Fix the listed fields and send the request again.', {
      errors: error.errors,
    });
  if (error instanceof MalformedJson)
    return problem('malformed-json', 400, 'Malformed JSON', 'The request body could not be parsed as JSON.');
  if (error instanceof InvalidPageToken)
    return problem('invalid-next-token', 400, 'Invalid nextToken', 'Send the nextToken of the previous page unchanged, or omit it to start over.', {
      errors: [{ path: '/query/nextToken', message: 'was not issued by this API' }],
    });
  if (error instanceof ExpiredPageToken)
    return problem('expired-next-token', 400, 'Expired nextToken', `A nextToken is valid for ${error.lifetimeSeconds / 60} minutes; omit it to start over from the first page.`, {
      errors: [{ path: '/query/nextToken', message: 'has expired' }],
    });
  if (error instanceof RequestInProgress)
    return problem('request-in-progress', 409, 'Request in progress', 'A request with this Idempotency-Key is still being served; retry in a few seconds to get its answer.');
  if (error instanceof IdempotencyKeyReused)
    return problem('idempotency-key-reused', 422, 'Idempotency-Key reused', 'This Idempotency-Key was sent before with another body; use a new key for a new request.', {
      errors: [{ path: '/header/idempotency-key', message: 'was used before with another request body' }],
    });
  if (error instanceof CompanyNotFound)
    return problem('company-not-found', 404, 'Company not found', `No company has the id ${error.companyId}.`);
  if (error instanceof VersionConflict)
    return problem('version-conflict', 412, 'Precondition failed', 'The company has changed since you read it; read it again and retry with its new ETag.');
  if (error instanceof PayloadTooLarge)
    return problem('payload-too-large', 413, 'Payload too large', `The request body must be at most ${error.limitBytes} bytes.`);
  if (error instanceof UnsupportedMediaType)
    return problem('unsupported-media-type', 415, 'Unsupported media type', 'Send the body as JSON with Content-Type: application/json.');
  if (error instanceof PreconditionRequired)
    return problem('precondition-required', 428, 'Precondition required', 'Send If-Match with the ETag you read, such as If-Match: "3".');
  return problem('internal', 500, 'Internal error', 'The request failed on our side; quote the requestId when you report it.', {
    requestId,
  });
}
