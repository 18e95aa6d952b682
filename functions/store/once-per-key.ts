import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { IdempotencyKeyReused, RequestInProgress } from '../company/errors';

/**
 * Work done once per client-chosen key (an Idempotency-Key header): the first request with a key runs it
 * and its result is kept; a retry with the same key and payload gets that result without running it again;
 * the same key with another payload is refused. Powertools Idempotency keeps the records in DynamoDB.
 */
export interface OncePerKey {
  run<T>(key: string, payload: object, work: () => Promise<T>, context: Context): Promise<T>;
}

/** How long a key's first answer is kept: long enough for any client's retries, as payment APIs keep theirs. */
export const KEY_LIFETIME_SECONDS = 24 * 60 * 60;

export function dynamoDbOncePerKey(client: DynamoDBClient, tableName: string): OncePerKey {
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'key', payloadValidationJmesPath: 'payload', expiresAfterSeconds: KEY_LIFETIME_SECONDS });
  // The kept answer is the one a client would read: JSON, so absent fields are left out, not stored as undefined.
  const runOnce = makeIdempotent(async (request: { key: string; payload: object; work: () => Promise<unknown> }) => JSON.parse(JSON.stringify(await request.work())), {
    persistenceStore: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client }),
    config,
  });
  return {
    async run<T>(key: string, payload: object, work: () => Promise<T>, context: Context): Promise<T> {
      // The remaining time bounds how long an unfinished first request holds its key.
      config.registerLambdaContext(context);
      let done: { result: T } | undefined;
      try {
        return (await runOnce({ key, payload, work: async () => (done = { result: await work() }).result })) as T;
      } catch (error) {
        // The work was done, but its record could not be saved (the table throttled, say): the answer is
        // still this one. A 5xx instead would have the client retry, wait until the record expires, and
        // then do the work again: a second company.
        if (error instanceof IdempotencyPersistenceLayerError && done) return done.result;
        if (error instanceof IdempotencyValidationError) throw new IdempotencyKeyReused();
        if (error instanceof IdempotencyAlreadyInProgressError) throw new RequestInProgress();
        throw error;
      }
    },
  };
}
