import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

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

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
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
}

export function awsJsonServer(service: AwsJsonService): Server {
  return createServer(async (req, res) => {
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'Content-Type': service.contentType, 'x-amzn-RequestId': randomUUID() });
      res.end(JSON.stringify(payload));
    };
    try {
      const body = (await readBody(req)).toString('utf8');
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
      if (error instanceof ServiceError) return reply(error.status, { __type: error.type, message: error.message });
      service.onInternalError?.(error as Error);
      reply(500, { __type: 'InternalFailure', message: 'The local service failed; see its log.' });
    }
  });
}
