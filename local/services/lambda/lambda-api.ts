import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { StageCredentials } from '../../credentials';
import { localServer } from '../../net';
import { BodyTooLarge, readBody } from '../aws-json-protocol';
import { verifySignature } from '../sigv4';
import { aliasConfiguration, functionConfiguration } from './function-configuration';
import { FunctionNotFound, InvalidRouting, type LocalLambda, QualifierConflict, StaleRevision } from './local-lambda';
import { logTail } from './log-tail';

/**
 * Lambda's API over real HTTP, in its REST-JSON protocol, so SDK clients and the AWS CLI configured with
 * AWS_ENDPOINT_URL_LAMBDA call local functions unchanged: Invoke (RequestResponse, and Event, run once; with LogType Tail, the
 * invocation's log in X-Amz-Log-Result, see log-tail.ts), and what an operator reads of functions, versions and
 * aliases (GetFunction, GetFunctionConfiguration, ListVersionsByFunction, GetAlias, ListAliases), and
 * UpdateAlias with Lambda's rules for routing and its RevisionId check. Only to requests signed with the stage's
 * credentials: it runs code, and a function's configuration holds its environment.
 */
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const ALIAS_PATH = /^\/2015-03-31\/functions\/([^/]+)\/aliases\/([^/]+)$/;
const READS: Array<[RegExp, (lambda: LocalLambda, params: string[], query: URLSearchParams) => unknown]> = [
  [/^\/2015-03-31\/functions\/([^/]+)\/configuration$/, (lambda, [name], query) => functionConfiguration(lambda.describe(name!, qualifierOf(query)))],
  [/^\/2015-03-31\/functions\/([^/]+)$/, (lambda, [name], query) => ({ Configuration: functionConfiguration(lambda.describe(name!, qualifierOf(query))), Code: { RepositoryType: 'S3' } })],
  [/^\/2015-03-31\/functions\/([^/]+)\/versions$/, (lambda, [name], query) => page('Versions', lambda.versionsOf(lambda.describe(name!).spec.functionName).map(functionConfiguration), query)],
  [ALIAS_PATH, (lambda, [name, alias]) => aliasConfiguration(lambda.aliasNamed(name!, alias!))],
  [
    /^\/2015-03-31\/functions\/([^/]+)\/aliases$/,
    (lambda, [name], query) => {
      const version = query.get('FunctionVersion');
      const aliases = lambda.aliasesOf(name!).filter((a) => !version || a.routing.functionVersion === version || version in a.routing.additionalVersionWeights);
      return page('Aliases', aliases.map(aliasConfiguration), query);
    },
  ],
];

const qualifierOf = (query: URLSearchParams) => query.get('Qualifier') ?? undefined;

/** One page of a list (Marker, MaxItems, NextMarker), the marker being the next item's index. */
function page<T>(key: string, items: T[], query: URLSearchParams): Record<string, unknown> {
  const start = Number(query.get('Marker') ?? 0);
  const size = Math.min(Number(query.get('MaxItems') ?? 50), 10_000);
  if (!(Number.isInteger(start) && start >= 0 && Number.isInteger(size) && size > 0)) throw new InvalidParameter('Marker or MaxItems is not valid');
  const next = start + size < items.length ? String(start + size) : undefined;
  return { [key]: items.slice(start, start + size), ...(next ? { NextMarker: next } : {}) };
}

class InvalidParameter extends Error {}
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
    if (req.method === 'GET') {
      const read = READS.map(([path, answer]) => [path.exec(url.pathname), answer] as const).find(([found]) => found);
      if (!read) return error(404, 'UnknownOperationException', `Unknown operation ${req.method} ${url.pathname}`);
      try {
        const answer = read[1](lambda, read[0]!.slice(1).map(decodeURIComponent), url.searchParams);
        res.writeHead(200, { 'Content-Type': 'application/json', 'x-amzn-RequestId': randomUUID() });
        return res.end(JSON.stringify(answer));
      } catch (failure) {
        return refusal(failure);
      }
    }
    const aliasPath = ALIAS_PATH.exec(url.pathname);
    if (req.method === 'PUT' && aliasPath) {
      try {
        const input = JSON.parse(body.toString('utf8') || '{}') as { FunctionVersion?: string; RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> }; RevisionId?: string };
        const [name, alias] = aliasPath.slice(1).map(decodeURIComponent);
        const changed = lambda.changeAlias(name!, alias!, {
          functionVersion: input.FunctionVersion,
          additionalVersionWeights: input.RoutingConfig && (input.RoutingConfig.AdditionalVersionWeights ?? {}),
          revisionId: input.RevisionId,
        });
        res.writeHead(200, { 'Content-Type': 'application/json', 'x-amzn-RequestId': randomUUID() });
        return res.end(JSON.stringify(aliasConfiguration(changed)));
      } catch (failure) {
        if (failure instanceof SyntaxError) return error(400, 'InvalidRequestContentException', 'Could not parse request body into json');
        return refusal(failure);
      }
    }
    const match = INVOKE_PATH.exec(url.pathname);
    if (req.method !== 'POST' || !match) return error(404, 'UnknownOperationException', `Unknown operation ${req.method} ${url.pathname}`);
    const invocationType = req.headers['x-amz-invocation-type'] ?? 'RequestResponse';
    if (invocationType !== 'RequestResponse' && invocationType !== 'Event') {
      return error(400, 'InvalidParameterValueException', 'Only RequestResponse and Event invocations are served locally');
    }
    // LogType's "Valid Values: None | Tail" (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html). What Lambda
    // answers for another value AWS does not say: here the error that page gives for "One of the parameters in the
    // request is invalid", InvalidParameterValueException (400).
    const logType = req.headers['x-amz-log-type'] ?? 'None';
    if (logType !== 'None' && logType !== 'Tail') return error(400, 'InvalidParameterValueException', `LogType must be None or Tail, not ${String(logType)}`);
    let event: unknown;
    try {
      event = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return error(400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    try {
      const qualifier = url.searchParams.get('Qualifier') ?? undefined;
      if (invocationType === 'Event') {
        // Accepted (202, no payload) once the function resolves; it runs on. Lambda would queue it and retry a failed
        // run twice; the local stage runs it once.
        lambda.resolve(decodeURIComponent(match[1]!), qualifier);
        void lambda.invoke(decodeURIComponent(match[1]!), event, qualifier).catch(() => undefined);
        res.writeHead(202, { 'x-amzn-RequestId': randomUUID() });
        return res.end();
      }
      const { version, requestId, result } = await lambda.invoke(decodeURIComponent(match[1]!), event, qualifier, logType === 'Tail');
      const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': version.version, 'x-amzn-RequestId': requestId };
      if (logType === 'Tail') headers['X-Amz-Log-Result'] = logTail(result.log ?? []);
      // A failure of any kind (the handler's error, a crash, a timeout, a failed init) is a 200 whose body is the
      // error, `{ errorType, errorMessage[, trace] }`, marked by X-Amz-Function-Error: "If present, indicates that
      // an error occurred during function execution. Details about the error are included in the response
      // payload." https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html. The Node.js runtime's errors,
      // thrown ones too, come back as Unhandled.
      if (!result.ok) headers['X-Amz-Function-Error'] = 'Unhandled';
      res.writeHead(200, headers);
      res.end(result.ok ? result.payload : JSON.stringify(result.error));
    } catch (failure) {
      return refusal(failure);
    }

    function refusal(failure: unknown) {
      if (failure instanceof FunctionNotFound) return error(404, 'ResourceNotFoundException', failure.message);
      if (failure instanceof URIError) return error(400, 'InvalidParameterValueException', 'The function name is not validly percent-encoded');
      if (failure instanceof QualifierConflict || failure instanceof InvalidParameter || failure instanceof InvalidRouting) return error(400, 'InvalidParameterValueException', failure.message);
      if (failure instanceof StaleRevision) return error(412, 'PreconditionFailedException', failure.message);
      return error(500, 'ServiceException', (failure as Error).message);
    }
  });
}
