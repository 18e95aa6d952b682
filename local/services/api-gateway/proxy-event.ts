import type { APIGatewayProxyEvent } from 'aws-lambda';
import { LOCAL_ACCOUNT } from '../../template/cloudformation';

/** The REST API (payload 1.0) proxy event API Gateway hands a Lambda integration. */
export interface IncomingRequest {
  method: string;
  path: string;
  resourcePath: string;
  rawHeaders: string[];
  query: URLSearchParams;
  pathParameters: Record<string, string>;
  body: Buffer;
  sourceIp: string;
  stageName: string;
  requestId: string;
}

/** Grouped in a Map, so a name such as `__proto__` or `toString` is a key like any other. */
function multiValue(pairs: Array<[string, string]>): Record<string, string[]> {
  const values = new Map<string, string[]>();
  for (const [key, value] of pairs) values.set(key, [...(values.get(key) ?? []), value]);
  return Object.fromEntries(values);
}

const lastValues = (values: Record<string, string[]>) =>
  Object.fromEntries(Object.entries(values).map(([key, list]) => [key, list.at(-1)!]));

export function proxyEvent(request: IncomingRequest): APIGatewayProxyEvent {
  const headerPairs: Array<[string, string]> = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2) headerPairs.push([request.rawHeaders[i]!, request.rawHeaders[i + 1]!]);
  const multiValueHeaders = multiValue(headerPairs);
  const multiValueQueryStringParameters = multiValue([...request.query.entries()]);
  const hasQuery = Object.keys(multiValueQueryStringParameters).length > 0;
  const hasPathParameters = Object.keys(request.pathParameters).length > 0;
  const now = new Date();
  return {
    resource: request.resourcePath,
    path: request.path,
    httpMethod: request.method,
    headers: lastValues(multiValueHeaders),
    multiValueHeaders,
    queryStringParameters: hasQuery ? lastValues(multiValueQueryStringParameters) : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQueryStringParameters : null,
    pathParameters: hasPathParameters ? request.pathParameters : null,
    stageVariables: null,
    body: request.body.length > 0 ? request.body.toString('utf8') : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: request.method,
      path: `/${request.stageName}${request.path}`,
      stage: request.stageName,
      requestId: request.requestId,
      extendedRequestId: request.requestId,
      requestTime: now.toUTCString(),
      requestTimeEpoch: now.getTime(),
      resourceId: request.resourcePath,
      resourcePath: request.resourcePath,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent: lastValues(multiValueHeaders)['User-Agent'] ?? null,
        userArn: null,
      },
    },
  };
}
