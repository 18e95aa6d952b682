import { request } from 'node:http';
import type { StateMachine } from 'aws-local-stepfunctions';
import type { LocalApiTarget } from './state-machines';

/**
 * The `arn:aws:states:::apigateway:invoke` integration, request-response, sending real HTTP requests to the
 * local API. Shapes and failures follow https://docs.aws.amazon.com/step-functions/latest/dg/connect-api-gateway.html:
 * Headers and QueryParameters map names to lists of values; the output is ResponseBody (JSON or String),
 * Headers, StatusCode and StatusText; a status other than 2XX fails the task with error
 * `ApiGateway.<HTTP Status Code>` and the response body as its cause, and a failure without a status with
 * `ApiGateway.<Exception>`.
 */

export type JsonValue = Parameters<StateMachine['run']>[0];

export type ApiGatewayInvokeOutput = {
  ResponseBody: JsonValue;
  Headers: Record<string, string[]>;
  StatusCode: number;
  StatusText: string;
};

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
const AUTH_TYPES = new Set(['NO_AUTH', 'IAM_ROLE', 'RESOURCE_POLICY']);
/** Header names the integration does not let a task send. */
const FORBIDDEN_HEADER =
  /^(x-forwarded|x-amz)|^(authorization|connection|content-md5|expect|host|max-forwards|proxy-authenticate|server|te|transfer-encoding|trailer|upgrade|via|www-authenticate)$/i;

/** A failed call, named as Step Functions names it, so that Retry and Catch match it as they would on AWS. */
class TaskFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/**
 * Parameters Step Functions would refuse: like AWS's States.Runtime, the execution fails, and neither Retry
 * nor Catch sees it (aws-local-stepfunctions reads these two flags).
 */
class InvalidParameters extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(message: string) {
    super(`apigateway:invoke: ${message}`);
    this.name = 'States.Runtime';
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function listsOfStrings(field: string, value: unknown): Record<string, string[]> {
  if (value === undefined) return {};
  const valid = isObject(value) && Object.values(value).every((v) => Array.isArray(v) && v.every((item) => typeof item === 'string'));
  if (!valid) throw new InvalidParameters(`${field} must map each name to a list of strings, got ${JSON.stringify(value)}`);
  return value as Record<string, string[]>;
}

interface HttpCall {
  method: string;
  url: URL;
  headers: Record<string, string[]>;
  body?: string;
}

function toHttpCall(parameters: unknown, api: LocalApiTarget, apiUrl: string): HttpCall {
  if (!isObject(parameters)) throw new InvalidParameters('Parameters must be an object');
  const { ApiEndpoint, Method, Stage, Path, RequestBody, AuthType = 'NO_AUTH' } = parameters;
  if (ApiEndpoint !== api.host) throw new InvalidParameters(`ApiEndpoint ${String(ApiEndpoint)} is not the local API's ${api.host}`);
  if (typeof Method !== 'string' || !METHODS.has(Method)) throw new InvalidParameters(`Method must be one of ${[...METHODS].join(', ')}`);
  if (typeof AuthType !== 'string' || !AUTH_TYPES.has(AuthType)) throw new InvalidParameters(`AuthType must be one of ${[...AUTH_TYPES].join(', ')}`);
  const headers = listsOfStrings('Headers', parameters.Headers);
  const forbidden = Object.keys(headers).filter((name) => FORBIDDEN_HEADER.test(name));
  if (forbidden.length > 0) throw new InvalidParameters(`Headers may not include ${forbidden.join(', ')}`);
  // The API serves one stage; API Gateway answers any other with 403 before routing.
  if (Stage !== api.stage) throw new TaskFailure('ApiGateway.403', JSON.stringify({ message: 'Forbidden' }));

  // The local API serves its stage at the root, so the stage segment of the deployed URL is left out.
  const url = new URL(`/${String(Path ?? '').replace(/^\/+/, '')}`, apiUrl);
  for (const [name, values] of Object.entries(listsOfStrings('QueryParameters', parameters.QueryParameters))) {
    for (const value of values) url.searchParams.append(name, value);
  }
  if (RequestBody === undefined) return { method: Method, url, headers };
  if (typeof RequestBody === 'string') return { method: Method, url, headers, body: RequestBody };
  // Step Functions sends a JSON RequestBody as JSON; the task may still name its own media type.
  const hasContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  return {
    method: Method,
    url,
    headers: hasContentType ? headers : { ...headers, 'Content-Type': ['application/json'] },
    body: JSON.stringify(RequestBody),
  };
}

interface HttpAnswer {
  status: number;
  statusText: string;
  headers: Record<string, string[]>;
  body: string;
}

function send(call: HttpCall): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(call.url, { method: call.method, headers: call.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        // Header names as the API sent them, each with all its values in order.
        const headers: Record<string, string[]> = {};
        for (let i = 0; i < res.rawHeaders.length; i += 2) (headers[res.rawHeaders[i]!] ??= []).push(res.rawHeaders[i + 1]!);
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(call.body);
  });
}

function responseBody(answer: HttpAnswer): JsonValue {
  const contentType = Object.entries(answer.headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1][0] ?? '';
  if (!/^application\/([\w.-]+\+)?json\b/i.test(contentType)) return answer.body;
  try {
    return JSON.parse(answer.body);
  } catch {
    return answer.body;
  }
}

/** The task handler for one local API at `apiUrl` (such as http://127.0.0.1:3000). */
export function apiGatewayInvoke(api: LocalApiTarget, apiUrl: string) {
  return async (parameters: unknown): Promise<ApiGatewayInvokeOutput> => {
    const call = toHttpCall(parameters, api, apiUrl);
    let answer: HttpAnswer;
    try {
      answer = await send(call);
    } catch (error) {
      const { code, name, message } = error as NodeJS.ErrnoException;
      throw new TaskFailure(`ApiGateway.${code ?? name}`, message);
    }
    if (answer.status < 200 || answer.status > 299) throw new TaskFailure(`ApiGateway.${answer.status}`, answer.body);
    return { ResponseBody: responseBody(answer), Headers: answer.headers, StatusCode: answer.status, StatusText: answer.statusText };
  };
}
