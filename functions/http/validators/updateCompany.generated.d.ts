// Generated beside the validators of each operation. Do not edit.
import type { OperationValidators } from '../operation-validators';
declare const validators: OperationValidators;
export = validators;
