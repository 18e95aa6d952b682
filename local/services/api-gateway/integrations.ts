import type { Operation } from '../../../open-api/contract';
import type { RenderedResponse } from './gateway-responses';

/** A MOCK integration: the status its request template names, and the static response mapped for it. */
export function mockResponse(operation: Operation): RenderedResponse {
  const integration = operation.integration as {
    requestTemplates?: Record<string, string>;
    responses?: Record<string, { statusCode: string; responseParameters?: Record<string, string>; responseTemplates?: Record<string, string> }>;
  };
  const status = Number(JSON.parse(integration.requestTemplates?.['application/json'] ?? '{"statusCode":200}').statusCode);
  const responses = Object.values(integration.responses ?? {});
  const response = responses.find((r) => Number(r.statusCode) === status) ?? responses[0];
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(response?.responseParameters ?? {})) {
    headers[key.replace(/^method\.response\.header\./, '')] = value.replace(/^'(.*)'$/, '$1');
  }
  return { status: Number(response?.statusCode ?? status), headers, body: response?.responseTemplates?.['application/json'] ?? '' };
}

/**
 * What API Gateway makes of a Lambda proxy payload: the response it describes, or undefined when the
 * payload is not a valid proxy response (API Gateway then answers 502).
 */
export function proxyResponse(payload: string): RenderedResponse | undefined {
  let parsed: { statusCode?: unknown; headers?: unknown; multiValueHeaders?: unknown; body?: unknown; isBase64Encoded?: unknown };
  try {
    parsed = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || !Number.isInteger(Number(parsed.statusCode))) return undefined;
  if (parsed.body !== undefined && parsed.body !== null && typeof parsed.body !== 'string') return undefined;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries((parsed.headers ?? {}) as Record<string, unknown>)) headers[key] = String(value);
  for (const [key, values] of Object.entries((parsed.multiValueHeaders ?? {}) as Record<string, unknown[]>)) headers[key] = values.map(String).join(', ');
  const body = typeof parsed.body === 'string' ? parsed.body : '';
  return {
    status: Number(parsed.statusCode),
    headers,
    body: parsed.isBase64Encoded === true ? Buffer.from(body, 'base64') : body,
  };
}
