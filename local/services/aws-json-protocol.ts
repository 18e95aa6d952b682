import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { StageCredentials } from '../credentials';
import { localServer } from '../net';
import { verifySignature } from './sigv4';

/**
 * The AWS JSON protocols (1.0 and 1.1) that CodeDeploy and Step Functions speak: POST, the operation named
 * by X-Amz-Target, the input and output as JSON, errors as HTTP 4xx/5xx with `{ "__type", "message" }`,
 * which SDK clients throw under that name.
 */
export class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export class BodyTooLarge extends Error {}

/** The request body, refused past `limitBytes` so no client can make a local service hold more. */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge(`The request body is larger than ${limitBytes} bytes`));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface AwsJsonService {
  /** application/x-amz-json-1.0 or -1.1. */
  contentType: string;
  /** What X-Amz-Target carries before the operation name, such as `CodeDeploy_20141006.`. */
  targetPrefix: string;
  handle(operation: string, input: Record<string, unknown>): unknown;
  /** A failure of the local service itself (not the caller's fault), answered as InternalFailure. */
  onInternalError?(error: Error): void;
  /**
   * For a service that also speaks the older Query protocol (CloudWatch): each error's Query code, which AWS
   * sends in `x-amzn-query-error` and clients use as the error's code (boto3's typed exceptions match on it).
   */
  queryErrorCodes?: Record<string, string>;
}

/** What these services accept in one request; far above what the operations served here ever send. */
const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * The body as sent before its Content-Encoding: the SDK gzips a PutMetricData of 10 KB or more (the
 * operation's requestCompression trait), and the signature covers the compressed bytes.
 */
function decoded(raw: Buffer, encoding: string): Buffer {
  if (!/\bgzip\b/i.test(encoding)) return raw;
  try {
    return gunzipSync(raw, { maxOutputLength: MAX_REQUEST_BYTES });
  } catch {
    throw new ServiceError('SerializationException', `The request body is not gzip of at most ${MAX_REQUEST_BYTES} bytes`);
  }
}

/** Serves `service` to SDK clients that sign with the stage's credentials; anything else gets AWS's 403. */
export function awsJsonServer(service: AwsJsonService, credentials: StageCredentials): Server {
  return localServer(async (req, res) => {
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': service.contentType, 'x-amzn-RequestId': randomUUID(), ...headers });
      res.end(JSON.stringify(payload));
    };
    const queryError = (type: string, status: number): Record<string, string> =>
      service.queryErrorCodes ? { 'x-amzn-query-error': `${service.queryErrorCodes[type] ?? type};${status >= 500 ? 'Receiver' : 'Sender'}` } : {};
    try {
      const raw = await readBody(req, MAX_REQUEST_BYTES).catch((error: Error) => {
        throw error instanceof BodyTooLarge ? new ServiceError('SerializationException', error.message, 413) : error;
      });
      const refused = await verifySignature(req, raw, credentials);
      if (refused) throw new ServiceError(refused.type, refused.message, refused.status);
      const body = decoded(raw, String(req.headers['content-encoding'] ?? '')).toString('utf8');
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method !== 'POST' || !target.startsWith(service.targetPrefix)) {
        throw new ServiceError('UnknownOperationException', `Unknown operation ${target || '(no X-Amz-Target)'}`);
      }
      let input: unknown;
      try {
        input = JSON.parse(body || '{}');
      } catch {
        throw new ServiceError('SerializationException', 'The request body is not JSON');
      }
      if (typeof input !== 'object' || input === null) throw new ServiceError('SerializationException', 'The request body is not a JSON object');
      reply(200, await service.handle(target.slice(service.targetPrefix.length), input as Record<string, unknown>));
    } catch (error) {
      if (error instanceof ServiceError) return reply(error.status, { __type: error.type, message: error.message }, queryError(error.type, error.status));
      service.onInternalError?.(error as Error);
      reply(500, { __type: 'InternalFailure', message: 'The local service failed; see its log.' }, queryError('InternalFailure', 500));
    }
  });
}
