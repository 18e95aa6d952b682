import type { OperationValidators, ValidationError, Validator } from './operation-validators';
import type { FieldError } from './request-errors';
import { InvalidRequest } from './request-errors';

/** Turns schema violations into messages a client can act on, each at the path it concerns. */
function fieldError({ readOnlyProperties, patternHints }: OperationValidators, prefix: string, error: ValidationError): FieldError {
  const at = prefix + error.instancePath;
  switch (error.keyword) {
    case 'required':
      return { path: `${at}/${String(error.params.missingProperty)}`, message: 'is required' };
    case 'additionalProperties': {
      const name = String(error.params.additionalProperty);
      const readOnly = at === '/body' && readOnlyProperties.includes(name);
      if (readOnly) return { path: `${at}/${name}`, message: 'is read-only and set by the server' };
      return { path: `${at}/${name}`, message: at === '/body' ? 'is not a known property' : 'is not a parameter of this operation' };
    }
    case 'pattern':
      return { path: at, message: patternHints[at] ? `must be ${patternHints[at]}` : String(error.message) };
    default:
      return { path: at, message: String(error.message) };
  }
}

/** Validates with one of the operation's validators; throws InvalidRequest listing every violation. */
export function validate<T>(operation: OperationValidators, validator: Validator, data: unknown, prefix = ''): T {
  if (!validator(data)) throw new InvalidRequest((validator.errors ?? []).map((error) => fieldError(operation, prefix, error)));
  return data as T;
}
