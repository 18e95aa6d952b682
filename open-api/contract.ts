import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { yamlParse } from 'yaml-cfn';

/** Reads the API contract and answers questions about it; used by the validator generator, the local stage and tests. */
export const CONTRACT_PATH = join(__dirname, 'company-api.yaml');

export type JsonSchema = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: JsonSchema;
}

export interface Operation {
  operationId?: string;
  method: string;
  path: string;
  parameters: Parameter[];
  bodySchema?: JsonSchema;
  requestValidator?: string;
  integration: Record<string, unknown>;
  document: Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpenApiDocument = any;

export function loadContract(path = CONTRACT_PATH): OpenApiDocument {
  return yamlParse(readFileSync(path, 'utf8'));
}

/** Inlines every local $ref, so a schema can be compiled or shipped on its own. */
export function dereference<T>(doc: OpenApiDocument, node: T): T {
  if (Array.isArray(node)) return node.map((item) => dereference(doc, item)) as T;
  if (node === null || typeof node !== 'object') return node;
  const ref = (node as { $ref?: string }).$ref;
  if (typeof ref === 'string') {
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((at, key) => at?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
    if (target === undefined) throw new Error(`${CONTRACT_PATH}: unresolved $ref ${ref}`);
    return dereference(doc, target);
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, dereference(doc, value)])) as T;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'x-amazon-apigateway-any-method'];

/** Every method of every path, with path-level parameters merged in, all $refs inlined. */
export function operations(doc: OpenApiDocument): Operation[] {
  const all: Operation[] = [];
  for (const [path, rawItem] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    const item = dereference(doc, rawItem);
    const shared = (item.parameters ?? []) as Parameter[];
    for (const method of HTTP_METHODS) {
      const op = item[method] as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
      if (!op) continue;
      all.push({
        operationId: op.operationId,
        method: method === 'x-amazon-apigateway-any-method' ? 'ANY' : method.toUpperCase(),
        path,
        parameters: [...shared, ...(op.parameters ?? [])],
        bodySchema: op.requestBody?.content?.['application/json']?.schema,
        requestValidator: op['x-amazon-apigateway-request-validator'] ?? doc['x-amazon-apigateway-request-validator'],
        integration: op['x-amazon-apigateway-integration'],
        document: op,
      });
    }
  }
  return all;
}

/**
 * The parameters of an operation as one object schema: { path: {...}, query: {...}, header: {...} }, header
 * names in lower case. A path or query parameter the contract does not name is refused, so that a misspelt
 * one (`?limt=5`) is an error, not silently ignored; headers the contract does not name are any client's own.
 */
export function parametersSchema(operation: Operation, locations: Array<Parameter['in']> = ['path', 'query', 'header']): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const location of locations) {
    const params = operation.parameters.filter((p) => p.in === location);
    // Headers matter only where the contract names one; every other location is checked for strangers.
    if (location === 'header' && params.length === 0) continue;
    const name = (p: Parameter) => (location === 'header' ? p.name.toLowerCase() : p.name);
    properties[location] = {
      type: 'object',
      properties: Object.fromEntries(params.map((p) => [name(p), p.schema])),
      required: params.filter((p) => p.required).map(name),
      additionalProperties: location === 'header',
    };
  }
  return { type: 'object', properties, required: Object.keys(properties) };
}
