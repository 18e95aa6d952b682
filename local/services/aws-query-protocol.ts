import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { StageCredentials } from '../credentials';
import { localServer } from '../net';
import { BodyTooLarge, readBody } from './aws-json-protocol';
import { verifySignature } from './sigv4';

/**
 * The AWS Query protocol that CloudFormation (and SNS, SQS's older clients, IAM) speaks: a POST whose
 * form-urlencoded body names the `Action` and the API `Version` beside the input's members, and an XML answer,
 * `<ActionResponse xmlns><ActionResult>…</ActionResult><ResponseMetadata><RequestId>`, lists as `<member>`
 * elements; an error is `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code><Message></Error><RequestId>`
 * with a 4xx or 5xx status, and clients raise it under its Code.
 */
export class QueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface AwsQueryService {
  /** The namespace of its answers, such as http://cloudformation.amazonaws.com/doc/2010-05-15/. */
  xmlns: string;
  /** The Action's result, serialised inside `<ActionResult>`; a QueryError is answered as the service's error. */
  handle(action: string, params: URLSearchParams): unknown;
}

/**
 * The Query names of the signature failures sigv4.ts reports under their JSON-protocol names, and their statuses,
 * from the Common Errors of CloudFormation's API reference
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/CommonErrors.html); a wrong signature is
 * SignatureDoesNotMatch, as CloudFormation answers one (aws/aws-sdk-go#194).
 */
const AUTH_FAILURES: Record<string, { code: string; status: number }> = {
  MissingAuthenticationTokenException: { code: 'MissingAuthenticationToken', status: 403 },
  IncompleteSignatureException: { code: 'IncompleteSignature', status: 400 },
  UnrecognizedClientException: { code: 'InvalidClientTokenId', status: 403 },
  InvalidSignatureException: { code: 'SignatureDoesNotMatch', status: 403 },
};

/** What these services accept in one request; far above what the actions served here ever send. */
const MAX_REQUEST_BYTES = 1024 * 1024;

/** XML 1.0 text: markup characters escaped, and characters XML cannot carry at all replaced with U+FFFD. */
export function xmlText(value: string): string {
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * A value as the Query protocol serialises it: structures by member, lists as `<member>`s, maps (a Map here) as
 * `<entry><key><value>`s, timestamps in ISO 8601.
 */
export function toXml(name: string, value: unknown): string {
  if (value === undefined) return '';
  if (value instanceof Map) return `<${name}>${[...value].map(([key, item]) => `<entry>${toXml('key', key)}${toXml('value', item)}</entry>`).join('')}</${name}>`;
  if (Array.isArray(value)) return `<${name}>${value.map((item) => toXml('member', item)).join('')}</${name}>`;
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (value !== null && typeof value === 'object') return `<${name}>${Object.entries(value).map(([key, member]) => toXml(key, member)).join('')}</${name}>`;
  return `<${name}>${xmlText(String(value))}</${name}>`;
}

/** Serves `service` to clients that sign with the stage's credentials; anything else gets the Query form of AWS's refusal. */
export function awsQueryServer(service: AwsQueryService, credentials: StageCredentials): Server {
  return localServer(async (req, res) => {
    const requestId = randomUUID();
    const reply = (status: number, xml: string) => {
      res.writeHead(status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
    };
    const refuse = ({ code, message, status }: QueryError) => {
      const error = toXml('Error', { Type: status >= 500 ? 'Receiver' : 'Sender', Code: code, Message: message });
      reply(status, `<ErrorResponse xmlns="${service.xmlns}">${error}<RequestId>${requestId}</RequestId></ErrorResponse>`);
    };
    try {
      const body = await readBody(req, MAX_REQUEST_BYTES).catch((error: Error) => {
        throw error instanceof BodyTooLarge ? new QueryError('ValidationError', error.message, 413) : error;
      });
      const refused = await verifySignature(req, body, credentials);
      if (refused) throw new QueryError(AUTH_FAILURES[refused.type]!.code, refused.message, AUTH_FAILURES[refused.type]!.status);
      const params = new URLSearchParams(body.toString('utf8'));
      const action = params.get('Action');
      if (!action) throw new QueryError('MissingAction', 'The request names no Action.');
      const result = await service.handle(action, params);
      const answer = toXml(`${action}Result`, result ?? {}) + toXml('ResponseMetadata', { RequestId: requestId });
      reply(200, `<${action}Response xmlns="${service.xmlns}">${answer}</${action}Response>`);
    } catch (error) {
      // What is no QueryError is a failure of the local service itself, not the caller's fault.
      refuse(error instanceof QueryError ? error : new QueryError('InternalFailure', 'The local service failed.', 500));
    }
  });
}
