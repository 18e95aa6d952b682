/** What open-api/generate-validators.ts makes for each operation (functions/http/validators/). */
export interface ValidationError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

export interface Validator {
  (data: unknown): boolean;
  errors?: ValidationError[] | null;
}

export interface OperationValidators {
  operationId: string;
  /** Path, query and header parameters, coerced to the types the contract gives them. */
  params: Validator;
  /** The same parameters as sent, where one is not text and must first look like its type. */
  paramsWire?: Validator;
  body?: Validator;
  /** The body's properties the server owns. */
  readOnlyProperties: string[];
  /** A failed pattern at this instance path is explained by the schema's description. */
  patternHints: Record<string, string>;
}
