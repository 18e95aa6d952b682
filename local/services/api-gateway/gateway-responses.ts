import type { Template } from '../../template/cloudformation';

/** API Gateway's own error responses, rendered from the document's x-amazon-apigateway-gateway-responses. */

export type GatewayResponseType =
  | 'BAD_REQUEST_BODY'
  | 'BAD_REQUEST_PARAMETERS'
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'REQUEST_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INTEGRATION_TIMEOUT'
  | 'DEFAULT_5XX'
  // Refusals that API Gateway's front end makes before any gateway response applies; the stage answers
  // them through the document's DEFAULT_4XX, so that they too are problems.
  | 'BAD_REQUEST'
  | 'REQUEST_TIMEOUT'
  | 'URI_TOO_LONG'
  | 'REQUEST_HEADERS_TOO_LARGE';

/** Each type's default status and message, as API Gateway documents them. */
const DEFAULTS: Record<GatewayResponseType, { status: number; message: string }> = {
  BAD_REQUEST_BODY: { status: 400, message: 'Invalid request body' },
  BAD_REQUEST_PARAMETERS: { status: 400, message: 'Missing required request parameters' },
  MISSING_AUTHENTICATION_TOKEN: { status: 403, message: 'Missing Authentication Token' },
  REQUEST_TOO_LARGE: { status: 413, message: 'Request Too Long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported Media Type' },
  INTEGRATION_TIMEOUT: { status: 504, message: 'Endpoint request timed out' },
  // What API Gateway answers when a Lambda function fails or returns a malformed proxy response.
  DEFAULT_5XX: { status: 502, message: 'Internal server error' },
  BAD_REQUEST: { status: 400, message: 'Malformed HTTP request' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time' },
  URI_TOO_LONG: { status: 414, message: 'Request-URI Too Long' },
  REQUEST_HEADERS_TOO_LARGE: { status: 431, message: 'Request Header Fields Too Large' },
};

export interface RenderedResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

export function gatewayResponse(
  document: Template,
  type: GatewayResponseType,
  context: { requestId: string; message?: string },
): RenderedResponse {
  const defaults = DEFAULTS[type];
  const status = defaults.status;
  const configured = document['x-amazon-apigateway-gateway-responses'] ?? {};
  const spec = configured[type] ?? configured[status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX'];
  const message = context.message ?? defaults.message;
  const variables: Record<string, string> = {
    'context.requestId': context.requestId,
    'context.error.message': message,
    'context.error.messageString': JSON.stringify(message),
    'context.error.responseType': type,
  };
  if (!spec) return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ message }) };
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries<string>(spec.responseParameters ?? {})) {
    const name = key.replace(/^gatewayresponse\.header\./, '');
    headers[name] = value.replace(/^'(.*)'$/, '$1');
  }
  const template = String(spec.responseTemplates?.['application/json'] ?? '');
  // Gateway response templates substitute variables only; they run no VTL.
  const body = template.replace(/\$context(\.[A-Za-z]+)+/g, (name) => variables[name.slice(1)] ?? '');
  return { status: Number(spec.statusCode ?? status), headers, body };
}
