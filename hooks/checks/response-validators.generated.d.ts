// Generated beside response-validators.generated.js. Do not edit.
export interface Validator { (data: unknown): boolean; errors?: Array<{ instancePath: string; message?: string }> | null }
export const Company: Validator;
export const CompanyPage: Validator;
export const Problem: Validator;
