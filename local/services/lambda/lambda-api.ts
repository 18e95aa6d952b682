import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { StageCredentials } from '../../credentials';
import { localServer } from '../../net';
import { BodyTooLarge, readBody } from '../aws-json-protocol';
import { verifySignature } from '../sigv4';
import { FunctionNotFound, type LocalLambda } from './local-lambda';

/**
 * Lambda's Invoke operation over real HTTP, in Lambda's REST-JSON protocol, so SDK clients configured with
 * AWS_ENDPOINT_URL_LAMBDA call local functions unchanged. Only Invoke (RequestResponse) is served, and only
 * to requests signed with the stage's credentials: it runs code.
 */
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
/** Lambda's payload limit for a synchronous invocation. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

export function createLambdaApiServer(lambda: LocalLambda, credentials: StageCredentials): Server {
  return localServer(async (req, res) => {
    const error = (status: number, type: string, message: string) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type, 'x-amzn-RequestId': randomUUID() });
      res.end(JSON.stringify({ Type: 'User', message }));
    };
    const body = await readBody(req, MAX_PAYLOAD_BYTES).catch((failure: Error) => failure);
    if (body instanceof BodyTooLarge) return error(413, 'RequestTooLargeException', `Request must be smaller than ${MAX_PAYLOAD_BYTES} bytes for the InvokeFunction operation`);
    if (body instanceof Error) return error(400, 'InvalidRequestContentException', 'Could not read the request body');
    const refused = await verifySignature(req, body, credentials);
    if (refused) return error(refused.status, refused.type, refused.message);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = INVOKE_PATH.exec(url.pathname);
    if (req.method !== 'POST' || !match) return error(404, 'UnknownOperationException', `Unknown operation ${req.method} ${url.pathname}`);
    if ((req.headers['x-amz-invocation-type'] ?? 'RequestResponse') !== 'RequestResponse') {
      return error(400, 'InvalidParameterValueException', 'Only RequestResponse invocations are served locally');
    }
    let event: unknown;
    try {
      event = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return error(400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    try {
      const { version, requestId, result } = await lambda.invoke(decodeURIComponent(match[1]!), event, url.searchParams.get('Qualifier') ?? undefined);
      const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': version.version, 'x-amzn-RequestId': requestId };
      // A failure of any kind (the handler's error, a crash, a timeout, a failed init) is a 200 whose body is the
      // error, `{ errorType, errorMessage[, trace] }`, marked by X-Amz-Function-Error: "If present, indicates that
      // an error occurred during function execution. Details about the error are included in the response
      // payload." https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html. The Node.js runtime's errors,
      // thrown ones too, come back as Unhandled.
      if (!result.ok) headers['X-Amz-Function-Error'] = 'Unhandled';
      res.writeHead(200, headers);
      res.end(result.ok ? result.payload : JSON.stringify(result.error));
    } catch (failure) {
      if (failure instanceof FunctionNotFound) return error(404, 'ResourceNotFoundException', failure.message);
      if (failure instanceof URIError) return error(400, 'InvalidParameterValueException', 'The function name is not validly percent-encoded');
      return error(500, 'ServiceException', (failure as Error).message);
    }
  });
}
