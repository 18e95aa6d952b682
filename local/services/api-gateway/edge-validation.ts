import Ajv, { type ValidateFunction } from 'ajv';
import { dereference, type Operation } from '../../../open-api/contract';
import type { Template } from '../../template/cloudformation';

/**
 * The request validators API Gateway runs before an integration, from the same OpenAPI document:
 * required parameters must be present, and a JSON body must match the operation's model.
 */
export type EdgeVerdict = { ok: true } | { ok: false; type: 'BAD_REQUEST_PARAMETERS' | 'BAD_REQUEST_BODY'; message?: string };

export interface EdgeRequest {
  pathParameters: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  contentType?: string;
  body: string;
}

export function edgeValidator(document: Template, operation: Operation): (request: EdgeRequest) => EdgeVerdict {
  const validators = document['x-amazon-apigateway-request-validators'] ?? {};
  const settings = (operation.requestValidator && validators[operation.requestValidator]) ?? {};
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const body: ValidateFunction | undefined =
    settings.validateRequestBody && operation.bodySchema ? ajv.compile(dereference(document, operation.bodySchema)) : undefined;
  const required = operation.parameters.filter((p) => p.required);

  return (request) => {
    if (settings.validateRequestParameters) {
      const missing = required.filter((p) => {
        const source = p.in === 'path' ? request.pathParameters : p.in === 'query' ? request.query : request.headers;
        return !Object.hasOwn(source, p.in === 'header' ? p.name.toLowerCase() : p.name);
      });
      if (missing.length > 0) {
        return { ok: false, type: 'BAD_REQUEST_PARAMETERS', message: `Missing required request parameters: [${missing.map((p) => p.name).join(', ')}]` };
      }
    }
    // API Gateway picks the model by content type; a body of another type is left to the integration.
    if (body && (request.contentType ?? 'application/json') === 'application/json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(request.body);
      } catch {
        return { ok: false, type: 'BAD_REQUEST_BODY' };
      }
      if (!body(parsed)) return { ok: false, type: 'BAD_REQUEST_BODY' };
    }
    return { ok: true };
  };
}
