import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { randomUUID } from 'node:crypto';

/** What a function version answered to one API Gateway proxy event. */
export interface ProbeResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
  /** Set when the version failed instead of answering (Lambda's FunctionError). */
  functionError?: string;
}

export interface ProbeRequest {
  method: string;
  path: string;
  resource: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
}

/** The event API Gateway would send for this request, so the function sees an ordinary request. */
function proxyEvent(request: ProbeRequest) {
  const headers = { ...(request.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...request.headers };
  return {
    resource: request.resource,
    path: request.path,
    httpMethod: request.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: request.query ?? null,
    multiValueQueryStringParameters: request.query ? Object.fromEntries(Object.entries(request.query).map(([k, v]) => [k, [v]])) : null,
    pathParameters: request.pathParameters ?? null,
    stageVariables: null,
    body: request.body ?? null,
    isBase64Encoded: false,
    requestContext: { requestId: randomUUID(), httpMethod: request.method, path: request.path, resourcePath: request.resource },
  };
}

export type Probe = (request: ProbeRequest) => Promise<ProbeResponse>;

/**
 * A request that fails on the server's side (a 5xx, or the function failing) is tried again, twice, a moment
 * later: transient trouble below the function (a throttled table, a dropped connection) must not fail a
 * good version, and a real bug fails every attempt. A create carries an Idempotency-Key, so that its retry
 * cannot store a second company.
 */
const ATTEMPTS = 3;
const RETRY_PAUSE_MS = 200;

/** Invokes one qualified function (a version or an alias) with proxy events and decodes its answers. */
export function probe(lambda: LambdaClient, functionName: string, qualifier: string | undefined, abortSignal: AbortSignal): Probe {
  const once = invokeOnce(lambda, functionName, qualifier, abortSignal);
  return async (request) => {
    const keyed = request.method === 'POST' ? { ...request, headers: { 'Idempotency-Key': randomUUID(), ...request.headers } } : request;
    for (let attempt = 1; ; attempt++) {
      const response = await once(keyed);
      if ((response.statusCode < 500 && !response.functionError) || attempt === ATTEMPTS) return response;
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS * attempt));
    }
  };
}

function invokeOnce(lambda: LambdaClient, functionName: string, qualifier: string | undefined, abortSignal: AbortSignal): Probe {
  return async (request) => {
    const result = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, Qualifier: qualifier, Payload: Buffer.from(JSON.stringify(proxyEvent(request))) }),
      { abortSignal },
    );
    const payload = result.Payload ? Buffer.from(result.Payload).toString('utf8') : 'null';
    if (result.FunctionError) return { statusCode: 0, headers: {}, body: JSON.parse(payload), functionError: result.FunctionError };
    const response = JSON.parse(payload) as { statusCode: number; headers?: Record<string, string>; body?: string };
    let body: unknown = response.body;
    try {
      body = response.body ? JSON.parse(response.body) : undefined;
    } catch {
      // Not JSON: the check that expected JSON reports it.
    }
    return { statusCode: response.statusCode, headers: response.headers ?? {}, body };
  };
}
