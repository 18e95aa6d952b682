import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';

/** Builds the API Gateway proxy events a handler receives, with only what a test cares about spelled out. */
export function apiEvent(overrides: {
  method?: string;
  path?: string;
  companyId?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
}): APIGatewayProxyEvent {
  const body = overrides.body === undefined ? null : typeof overrides.body === 'string' ? overrides.body : JSON.stringify(overrides.body);
  const headers = { ...(body !== null ? { 'Content-Type': 'application/json' } : {}), ...overrides.headers };
  return {
    httpMethod: overrides.method ?? 'GET',
    path: overrides.path ?? '/companies',
    resource: overrides.companyId ? '/companies/{companyId}' : '/companies',
    headers,
    multiValueHeaders: {},
    pathParameters: overrides.companyId ? { companyId: overrides.companyId } : null,
    queryStringParameters: overrides.query ?? null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: { requestId: randomUUID() } as APIGatewayProxyEvent['requestContext'],
  };
}

export const lambdaContext = (): Context => ({
  awsRequestId: randomUUID(),
  functionName: 'test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
  memoryLimitInMB: '128',
  logGroupName: '/aws/lambda/test',
  logStreamName: 'test',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 3000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});
