/**
 * Compiles the contract's request schemas into standalone validators (functions/http/validators.generated.js),
 * so handlers validate with exactly the gateway's schemas without shipping a schema compiler.
 * Run `npm run generate:validators` after editing open-api/company-api.yaml; a test fails while it is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { _ } from 'ajv';
import addFormats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone';
import { dereference, type JsonSchema, loadContract, operations, parametersSchema } from './contract';

export const GENERATED_PATH = join(__dirname, '..', 'functions', 'http', 'validators.generated.js');
/** The hooks check what a new version answers against the contract's response schemas. */
export const RESPONSE_VALIDATORS_PATH = join(__dirname, '..', 'hooks', 'checks', 'response-validators.generated.js');
const RESPONSE_SCHEMAS = ['Company', 'CompanyPage', 'Problem'];

/**
 * Each operation exports `<operationId>Params` (path, query and headers, coerced to their types), when it
 * has a parameter that is not text `<operationId>ParamsWire` (the same, as sent), and when it takes a body
 * `<operationId>Body`.
 */
const TYPES = `// Generated beside validators.generated.js. Do not edit.
export interface ValidationError { instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }
export interface Validator { (data: unknown): boolean; errors?: ValidationError[] | null }
export const operationIds: string[];
export const readOnlyProperties: string[];
/** A failed pattern at this instance path is explained by the schema's description. */
export const patternHints: Record<string, string>;
declare const validators: Record<string, Validator | undefined>;
export default validators;
`;

/** Error hints: a schema's description explains a failed pattern better than the pattern itself. */
function patternHints(prefix: string, schema: JsonSchema, hints: Record<string, string>) {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const [name, property] of Object.entries(properties)) {
    const at = `${prefix}/${name}`;
    if (typeof property.pattern === 'string' && typeof property.description === 'string') hints[at] = property.description;
    patternHints(at, property, hints);
  }
}

/**
 * Parameters travel as text. Ajv's coercion takes any text JavaScript reads as a number ("Infinity", "1e400",
 * "0x10"), and skips range checks on a non-finite result; so each non-string parameter must first look like
 * what the contract means: an integer in decimal digits.
 */
const WIRE_FORMATS: Record<string, JsonSchema> = {
  integer: { type: 'string', pattern: '^-?[0-9]{1,15}$', description: 'a whole number in decimal digits, such as 25' },
};

function wireSchema(params: JsonSchema): JsonSchema | undefined {
  const locations = params.properties as Record<string, { properties: Record<string, JsonSchema> }>;
  const properties = Object.fromEntries(
    Object.entries(locations).map(([location, schema]) => [
      location,
      {
        ...schema,
        properties: Object.fromEntries(
          Object.entries(schema.properties).map(([name, parameter]) => {
            const type = String(parameter.type ?? 'string');
            if (type === 'string') return [name, parameter];
            const wire = WIRE_FORMATS[type];
            if (!wire) throw new Error(`parameter ${name}: no wire format for type ${type}; add one to WIRE_FORMATS`);
            return [name, wire];
          }),
        ),
      },
    ]),
  );
  return JSON.stringify(properties) === JSON.stringify(locations) ? undefined : { ...params, properties };
}

export function generateValidators(): string {
  const doc = loadContract();
  const compilers = {
    params: new Ajv({ code: { source: true }, allErrors: true, coerceTypes: true, useDefaults: true, strict: true }),
    body: new Ajv({ code: { source: true }, allErrors: true, strict: true }),
  };
  const exportNames: Record<string, string> = {};
  const wireNames: Record<string, string> = {};
  const hints: Record<string, string> = {};
  const operationIds: string[] = [];
  for (const operation of operations(doc)) {
    if (!operation.operationId) continue;
    operationIds.push(operation.operationId);
    const params = parametersSchema(operation);
    compilers.params.addSchema(params, `${operation.operationId}Params`);
    exportNames[`${operation.operationId}Params`] = `${operation.operationId}Params`;
    patternHints('', params, hints);
    const wire = wireSchema(params);
    if (wire) {
      compilers.body.addSchema(wire, `${operation.operationId}ParamsWire`);
      wireNames[`${operation.operationId}ParamsWire`] = `${operation.operationId}ParamsWire`;
      patternHints('', wire, hints);
    }
    if (operation.bodySchema) {
      compilers.body.addSchema(operation.bodySchema, `${operation.operationId}Body`);
      patternHints('/body', operation.bodySchema, hints);
    }
  }
  const bodies = Object.fromEntries(
    operations(doc).filter((o) => o.bodySchema && o.operationId).map((o) => [`${o.operationId}Body`, `${o.operationId}Body`]),
  );
  Object.assign(bodies, wireNames);
  const company = doc.components.schemas.Company.properties as Record<string, JsonSchema>;
  const readOnly = Object.keys(company).filter((name) => company[name]?.readOnly === true);
  const strip = (code: string) => code.replace(/^"use strict";/, '');
  return [
    '// Generated from open-api/company-api.yaml by `npm run generate:validators`. Do not edit.',
    '"use strict";',
    '(function () {',
    strip(standaloneCode(compilers.params, exportNames)),
    '})();',
    '(function () {',
    strip(standaloneCode(compilers.body, bodies)),
    '})();',
    `exports.operationIds = ${JSON.stringify(operationIds)};`,
    `exports.readOnlyProperties = ${JSON.stringify(readOnly)};`,
    `exports.patternHints = ${JSON.stringify(hints, null, 2)};`,
    '',
  ].join('\n');
}

export function generateResponseValidators(): string {
  const doc = loadContract();
  const ajv = addFormats(
    new Ajv({ code: { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` }, allErrors: true, strict: false }),
  );
  for (const name of RESPONSE_SCHEMAS) ajv.addSchema(dereference(doc, doc.components.schemas[name]), name);
  return [
    '// Generated from open-api/company-api.yaml by `npm run generate:validators`. Do not edit.',
    standaloneCode(ajv, Object.fromEntries(RESPONSE_SCHEMAS.map((name) => [name, name]))),
    '',
  ].join('\n');
}

const RESPONSE_TYPES = `// Generated beside response-validators.generated.js. Do not edit.
export interface Validator { (data: unknown): boolean; errors?: Array<{ instancePath: string; message?: string }> | null }
export const Company: Validator;
export const CompanyPage: Validator;
export const Problem: Validator;
`;

if (require.main === module) {
  writeFileSync(GENERATED_PATH, generateValidators());
  writeFileSync(GENERATED_PATH.replace(/\.js$/, '.d.ts'), TYPES);
  writeFileSync(RESPONSE_VALIDATORS_PATH, generateResponseValidators());
  writeFileSync(RESPONSE_VALIDATORS_PATH.replace(/\.js$/, '.d.ts'), RESPONSE_TYPES);
  console.log(`wrote ${GENERATED_PATH}`);
}
