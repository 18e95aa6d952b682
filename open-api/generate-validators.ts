/**
 * Compiles the contract's request schemas into standalone validators, one module per operation
 * (functions/http/validators/<operationId>.generated.js), so that each handler validates with exactly the
 * gateway's schemas, and its bundle carries its own operation's validators only, without a schema compiler.
 * Run `npm run generate:validators` after editing open-api/company-api.yaml; a test fails while they are stale.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { _ } from 'ajv';
import addFormats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone';
import { dereference, type JsonSchema, loadContract, type Operation, operations, parametersSchema } from './contract';

export const VALIDATORS_DIR = join(__dirname, '..', 'functions', 'http', 'validators');
/** The hooks check what a new version answers against the contract's response schemas. */
export const RESPONSE_VALIDATORS_PATH = join(__dirname, '..', 'hooks', 'checks', 'response-validators.generated.js');
const RESPONSE_SCHEMAS = ['Company', 'CompanyPage', 'Problem'];

/**
 * Each operation's module exports `params` (path, query and headers, coerced to their types), when it has a
 * parameter that is not text `paramsWire` (the same, as sent), when it takes a body `body`, and the hints
 * and read-only property names its messages need.
 */
const TYPES = `// Generated beside the validators of each operation. Do not edit.
import type { OperationValidators } from '../operation-validators';
declare const validators: OperationValidators;
export = validators;
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

/** One operation's validators module. */
function operationModule(operation: Operation, readOnly: string[]): string {
  const compilers = {
    params: new Ajv({ code: { source: true }, allErrors: true, coerceTypes: true, useDefaults: true, strict: true }),
    asSent: new Ajv({ code: { source: true }, allErrors: true, strict: true }),
  };
  const hints: Record<string, string> = {};
  const params = parametersSchema(operation);
  compilers.params.addSchema(params, 'params');
  patternHints('', params, hints);
  const asSent: Record<string, string> = {};
  const wire = wireSchema(params);
  if (wire) {
    compilers.asSent.addSchema(wire, 'paramsWire');
    asSent.paramsWire = 'paramsWire';
    patternHints('', wire, hints);
  }
  if (operation.bodySchema) {
    compilers.asSent.addSchema(operation.bodySchema, 'body');
    asSent.body = 'body';
    patternHints('/body', operation.bodySchema, hints);
  }
  const strip = (code: string) => code.replace(/^"use strict";/, '');
  return [
    '// Generated from open-api/company-api.yaml by `npm run generate:validators`. Do not edit.',
    '"use strict";',
    '(function () {',
    strip(standaloneCode(compilers.params, { params: 'params' })),
    '})();',
    ...(Object.keys(asSent).length > 0 ? ['(function () {', strip(standaloneCode(compilers.asSent, asSent)), '})();'] : []),
    `exports.operationId = ${JSON.stringify(operation.operationId)};`,
    `exports.readOnlyProperties = ${JSON.stringify(operation.bodySchema ? readOnly : [])};`,
    `exports.patternHints = ${JSON.stringify(hints, null, 2)};`,
    '',
  ].join('\n');
}

/** Every file of functions/http/validators/, by name, as the contract makes them now. */
export function generateValidators(): Map<string, string> {
  const doc = loadContract();
  const company = doc.components.schemas.Company.properties as Record<string, JsonSchema>;
  const readOnly = Object.keys(company).filter((name) => company[name]?.readOnly === true);
  const files = new Map<string, string>();
  for (const operation of operations(doc).filter((op) => op.operationId)) {
    files.set(`${operation.operationId}.generated.js`, operationModule(operation, readOnly));
    files.set(`${operation.operationId}.generated.d.ts`, TYPES);
  }
  return files;
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
  rmSync(VALIDATORS_DIR, { recursive: true, force: true });
  mkdirSync(VALIDATORS_DIR, { recursive: true });
  for (const [name, text] of generateValidators()) writeFileSync(join(VALIDATORS_DIR, name), text);
  writeFileSync(RESPONSE_VALIDATORS_PATH, generateResponseValidators());
  writeFileSync(RESPONSE_VALIDATORS_PATH.replace(/\.js$/, '.d.ts'), RESPONSE_TYPES);
  console.log(`wrote ${readdirSync(VALIDATORS_DIR).length} files into ${VALIDATORS_DIR} and ${RESPONSE_VALIDATORS_PATH}`);
}
