import { createServer, type Server } from 'node:http';
import { readBody } from '../aws-json-protocol';
import { FunctionNotFound, type LocalLambda } from './local-lambda';

/**
 * Lambda's Invoke operation over real HTTP, in Lambda's REST-JSON protocol, so SDK clients configured with
 * AWS_ENDPOINT_URL_LAMBDA call local functions unchanged. Only Invoke (RequestResponse) is served.
 */
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export function createLambdaApiServer(lambda: LocalLambda): Server {
  return createServer(async (req, res) => {
    const error = (status: number, type: string, message: string) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type });
      res.end(JSON.stringify({ Type: 'User', message }));
    };
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = INVOKE_PATH.exec(url.pathname);
    const body = await readBody(req);
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
      const { version, result } = await lambda.invoke(decodeURIComponent(match[1]!), event, url.searchParams.get('Qualifier') ?? undefined);
      const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': version.version };
      if (!result.ok) headers['X-Amz-Function-Error'] = 'Unhandled';
      res.writeHead(200, headers);
      res.end(result.ok ? result.payload : JSON.stringify(result.error));
    } catch (failure) {
      if (failure instanceof FunctionNotFound) return error(404, 'ResourceNotFoundException', failure.message);
      return error(500, 'ServiceException', (failure as Error).message);
    }
  });
}
