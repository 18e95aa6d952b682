import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Operation } from '../../../open-api/contract';
import { localServer, type RequestTimeouts } from '../../net';
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
/** API Gateway's limits for a regional REST API: URL length, and request line plus headers together. */
const MAX_URL_LENGTH = 10_240;
const MAX_REQUEST_LINE_AND_HEADERS_BYTES = 10_240;

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
  timeouts?: RequestTimeouts;
  onAccess?: (entry: AccessLogEntry) => void;
}

/** The path and query of a request target, taken as sent: no URL parsing that could reinterpret the path. */
function requestTarget(target: string): { path: string; query: URLSearchParams } {
  const absolute = /^https?:\/\/[^/]*(.*)$/i.exec(target);
  const [path = '', query = ''] = (absolute ? absolute[1]! : target).split(/\?(.*)/s);
  return { path: path || '/', query: new URLSearchParams(query) };
}

function isDecodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** What a request's first line and headers weigh, as API Gateway counts them against its limit. */
function requestHeadBytes(req: IncomingMessage): number {
  let bytes = Buffer.byteLength(`${req.method} ${req.url} HTTP/${req.httpVersion}`);
  for (const part of req.rawHeaders) bytes += Buffer.byteLength(part);
  return bytes;
}

/** Node's own refusals (malformed HTTP, a head over its limit, a client too slow) as problems too. */
function clientErrorType(error: NodeJS.ErrnoException): GatewayResponseType {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'REQUEST_HEADERS_TOO_LARGE';
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  return 'BAD_REQUEST';
}

/** The REST API of the stage, served over real HTTP the way API Gateway serves the imported document. */
export function createApiServer({ stage, lambda, timeouts, onAccess }: ApiServerOptions): Server {
  const document = stage.apiDocument;
  const resources = resourcesOf(document);
  const validators = new Map<Operation, (request: EdgeRequest) => EdgeVerdict>();
  const validatorFor = (operation: Operation) => {
    if (!validators.has(operation)) validators.set(operation, edgeValidator(document, operation));
    return validators.get(operation)!;
  };

  async function serve(req: IncomingMessage, body: Buffer, requestId: string): Promise<RenderedResponse & Served> {
    const gateway = (type: GatewayResponseType, message?: string) => gatewayResponse(document, type, { requestId, message });
    if (!req.headers.host) return gateway('BAD_REQUEST', 'An HTTP/1.1 request needs a Host header');
    if ((req.url ?? '').length > MAX_URL_LENGTH) return gateway('URI_TOO_LONG');
    if (requestHeadBytes(req) > MAX_REQUEST_LINE_AND_HEADERS_BYTES) return gateway('REQUEST_HEADERS_TOO_LARGE');
    if (body.length > MAX_PAYLOAD_BYTES) return gateway('REQUEST_TOO_LARGE');
    const url = requestTarget(req.url ?? '/');
    if (!isDecodable(url.path)) return gateway('BAD_REQUEST_PARAMETERS', 'The request path is not validly percent-encoded UTF-8');
    const route = matchRoute(resources, req.method ?? 'GET', url.path);
    if (!route?.operation) return gateway('MISSING_AUTHENTICATION_TOKEN');
    const { operation } = route;
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    const verdict = validatorFor(operation)({
      pathParameters: route.pathParameters,
      query: Object.fromEntries(url.query),
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
      path: url.path,
      resourcePath: route.resource.path,
      rawHeaders: req.rawHeaders,
      query: url.query,
      pathParameters: route.pathParameters,
      body,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      stageName: stage.stageName,
      requestId,
    });
    let timer: NodeJS.Timeout | undefined;
    const invocation = await Promise.race([
      lambda.invoke(integrationFunctionArn(operation), event),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, INTEGRATION_TIMEOUT_MS, 'timeout'))),
    ]).finally(() => clearTimeout(timer));
    if (invocation === 'timeout') return gateway('INTEGRATION_TIMEOUT');
    const { version, result } = invocation;
    const served = { functionName: version.spec.functionName, executedVersion: version.version };
    const response = result.ok ? proxyResponse(result.payload) : undefined;
    return { ...(response ?? gateway('DEFAULT_5XX')), ...served };
  }

  /** Sockets with an answer under way: a client error meanwhile (bytes past a HEAD, say) gets no second answer. */
  const answered = new WeakSet<Duplex>();
  const server = localServer((req: IncomingMessage, res: ServerResponse) => {
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
          answered.add(req.socket);
          res.once('finish', () => answered.delete(req.socket));
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
  }, timeouts, { requireHostHeader: false }); // Node would refuse a missing Host with a bare 400; serve() answers a problem.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === 'ECONNRESET' || answered.has(socket)) return void socket.destroy();
    const { status, headers, body } = gatewayResponse(document, clientErrorType(error), { requestId: randomUUID() });
    const payload = Buffer.from(body);
    const head = Object.entries({ ...headers, 'Content-Length': String(payload.length), Connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`);
    socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head.join('')}\r\n`), payload]));
  });
  return server;
}
