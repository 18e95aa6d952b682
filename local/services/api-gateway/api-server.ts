import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Operation } from '../../../open-api/contract';
import type { StageModel } from '../../template/stage';
import type { LocalLambda } from '../lambda/local-lambda';
import { edgeValidator, type EdgeVerdict, type EdgeRequest } from './edge-validation';
import { gatewayResponse, type GatewayResponseType, type RenderedResponse } from './gateway-responses';
import { integrationFunctionArn, matchRoute, resourcesOf } from './routes';
import { mockResponse, proxyResponse } from './integrations';
import { proxyEvent } from './proxy-event';

/** API Gateway's payload limit for REST APIs. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** API Gateway's default integration timeout. */
const INTEGRATION_TIMEOUT_MS = 29_000;

export interface AccessLogEntry {
  /** When the response was sent, epoch ms. */
  at: number;
  requestId: string;
  method: string;
  path: string;
  status: number;
  latencyMs: number;
  /** The function and version that served the request, when a Lambda integration did. */
  functionName?: string;
  executedVersion?: string;
}

type Served = Pick<AccessLogEntry, 'functionName' | 'executedVersion'>;

export interface ApiServerOptions {
  stage: StageModel;
  lambda: LocalLambda;
  onAccess?: (entry: AccessLogEntry) => void;
}

/** The REST API of the stage, served over real HTTP the way API Gateway serves the imported document. */
export function createApiServer({ stage, lambda, onAccess }: ApiServerOptions): Server {
  const document = stage.apiDocument;
  const resources = resourcesOf(document);
  const validators = new Map<Operation, (request: EdgeRequest) => EdgeVerdict>();
  const validatorFor = (operation: Operation) => {
    if (!validators.has(operation)) validators.set(operation, edgeValidator(document, operation));
    return validators.get(operation)!;
  };

  async function serve(req: IncomingMessage, body: Buffer, requestId: string): Promise<RenderedResponse & Served> {
    const gateway = (type: GatewayResponseType, message?: string) => gatewayResponse(document, type, { requestId, message });
    if (body.length > MAX_PAYLOAD_BYTES) return gateway('REQUEST_TOO_LARGE');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = matchRoute(resources, req.method ?? 'GET', url.pathname);
    if (!route?.operation) return gateway('MISSING_AUTHENTICATION_TOKEN');
    const { operation } = route;
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    const verdict = validatorFor(operation)({
      pathParameters: route.pathParameters,
      query: Object.fromEntries(url.searchParams),
      headers,
      contentType: headers['content-type']?.split(';')[0]?.trim().toLowerCase(),
      body: body.toString('utf8'),
    });
    if (!verdict.ok) return gateway(verdict.type, verdict.message);
    const type = String(operation.integration?.type ?? '').toLowerCase();
    if (type === 'mock') return mockResponse(operation);
    if (type !== 'aws_proxy') throw new Error(`${operation.method} ${operation.path}: integration type ${type} is not served locally`);

    const event = proxyEvent({
      method: req.method ?? 'GET',
      path: url.pathname,
      resourcePath: route.resource.path,
      rawHeaders: req.rawHeaders,
      query: url.searchParams,
      pathParameters: route.pathParameters,
      body,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      stageName: stage.stageName,
      requestId,
    });
    const invocation = await Promise.race([
      lambda.invoke(integrationFunctionArn(operation), event),
      new Promise<'timeout'>((resolve) => setTimeout(resolve, INTEGRATION_TIMEOUT_MS, 'timeout').unref()),
    ]);
    if (invocation === 'timeout') return gateway('INTEGRATION_TIMEOUT');
    const { version, result } = invocation;
    const served = { functionName: version.spec.functionName, executedVersion: version.version };
    const response = result.ok ? proxyResponse(result.payload) : undefined;
    return { ...(response ?? gateway('DEFAULT_5XX')), ...served };
  }

  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const requestId = randomUUID();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit keep reading, without keeping, so the client still gets its 413.
      if (size <= MAX_PAYLOAD_BYTES + 1) chunks.push(chunk);
    });
    req.on('end', () => {
      serve(req, Buffer.concat(chunks), requestId)
        .catch((error: Error) => {
          console.error(`local API: ${req.method} ${req.url} failed inside the local stage: ${error.stack}`);
          return gatewayResponse(document, 'DEFAULT_5XX', { requestId });
        })
        .then(({ status, headers, body, functionName, executedVersion }: RenderedResponse & Served) => {
          const payload = typeof body === 'string' ? Buffer.from(body) : body;
          res.writeHead(status, { ...headers, 'x-amzn-RequestId': requestId, 'Content-Length': payload.length });
          res.end(payload);
          onAccess?.({
            at: Date.now(),
            requestId,
            method: req.method ?? '',
            path: req.url ?? '',
            status,
            latencyMs: performance.now() - started,
            functionName,
            executedVersion,
          });
        });
    });
  });
}
