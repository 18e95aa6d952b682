/** Domain failures; functions/http/responses.ts maps each class to its HTTP problem. */
export class CompanyNotFound extends Error {
  constructor(readonly companyId: string) {
    super(`Company ${companyId} does not exist`);
    this.name = 'CompanyNotFound';
  }
}

export class VersionConflict extends Error {
  constructor(readonly companyId: string, readonly expectedVersion: number) {
    super(`Company ${companyId} is no longer at version ${expectedVersion}`);
    this.name = 'VersionConflict';
  }
}

export class InvalidPageToken extends Error {
  constructor() {
    super('The nextToken was not issued by this API');
    this.name = 'InvalidPageToken';
  }
}

/** An Idempotency-Key already used for a request with another body. */
export class IdempotencyKeyReused extends Error {
  constructor() {
    super('The Idempotency-Key was used before with another request body');
    this.name = 'IdempotencyKeyReused';
  }
}

/** The first request with this Idempotency-Key is still being served. */
export class RequestInProgress extends Error {
  constructor() {
    super('A request with this Idempotency-Key is in progress');
    this.name = 'RequestInProgress';
  }
}

/** A token this API issued, older than a token's lifetime: the listing must start over. */
export class ExpiredPageToken extends Error {
  constructor(readonly lifetimeSeconds: number) {
    super(`The nextToken is older than ${lifetimeSeconds} seconds`);
    this.name = 'ExpiredPageToken';
  }
}
