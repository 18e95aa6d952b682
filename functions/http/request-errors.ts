/** Why a request was refused before any domain work; functions/http/responses.ts maps each to its problem. */
export interface FieldError {
  path: string;
  message: string;
}

export class InvalidRequest extends Error {
  constructor(readonly errors: FieldError[]) {
    super('The request does not match the API contract');
    this.name = 'InvalidRequest';
  }
}

export class MalformedJson extends Error {
  constructor() {
    super('The request body is not valid JSON');
    this.name = 'MalformedJson';
  }
}

export class PayloadTooLarge extends Error {
  constructor(readonly limitBytes: number) {
    super(`The request body is larger than ${limitBytes} bytes`);
    this.name = 'PayloadTooLarge';
  }
}

export class UnsupportedMediaType extends Error {
  constructor() {
    super('The request body must be sent as application/json');
    this.name = 'UnsupportedMediaType';
  }
}

export class PreconditionRequired extends Error {
  constructor() {
    super('If-Match is required');
    this.name = 'PreconditionRequired';
  }
}
