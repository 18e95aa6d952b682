// Generated beside validators.generated.js. Do not edit.
export interface ValidationError { instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }
export interface Validator { (data: unknown): boolean; errors?: ValidationError[] | null }
export const operationIds: string[];
export const readOnlyProperties: string[];
/** A failed pattern at this instance path is explained by the schema's description. */
export const patternHints: Record<string, string>;
declare const validators: Record<string, Validator | undefined>;
export default validators;
