import type { Company } from '../company/model';

/** How a conditional write ended; the domain turns the last two into its errors. */
export type WriteOutcome = 'written' | 'missing' | 'stale';

export interface StoredPage {
  items: Company[];
  /** The id to continue after, present only while more companies follow. */
  continueAfter?: string;
}

/** Persistence for companies. Every write is conditional, so concurrent writers cannot lose updates. */
export interface CompanyStore {
  /** Stores a new company; never overwrites one with the same id. */
  create(company: Company): Promise<void>;
  get(companyId: string): Promise<Company | undefined>;
  list(limit: number, after?: string): Promise<StoredPage>;
  /** Replaces the company only while it is still at `expectedVersion`. */
  replace(company: Company, expectedVersion: number): Promise<WriteOutcome>;
  /** Deletes the company, only while it is at `expectedVersion` when one is given. */
  remove(companyId: string, expectedVersion?: number): Promise<WriteOutcome>;
}
