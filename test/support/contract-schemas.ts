import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { dereference, loadContract } from '../../open-api/contract';

/** The contract's response schemas, compiled with formats on, to check what the API answers. */
const doc = loadContract();
const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
const compiled = new Map<string, ReturnType<Ajv['compile']>>();

export function expectSchema(schemaName: string, value: unknown): void {
  if (!compiled.has(schemaName)) compiled.set(schemaName, ajv.compile(dereference(doc, doc.components.schemas[schemaName])));
  const validate = compiled.get(schemaName)!;
  const valid = validate(value);
  if (!valid) throw new Error(`${schemaName} mismatch: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(value)}`);
  expect(valid).toBe(true);
}
