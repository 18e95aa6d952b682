import type { Company } from '../company/model';

/** How a conditional write ended; the domain turns the last two into its errors. */
export type WriteOutcome = 'written' | 'missing' | 'stale';

/** A place in the name order: a company's folded name (company/name-order.ts) and its id. */
export interface NamePosition {
  foldedName: string;
  companyId: string;
}

export interface ListRequest {
  limit: number;
  /** Only companies whose folded name begins with this one's fold. */
  namePrefix?: string;
  /** Where the previous page ended. */
  after?: NamePosition;
}

export interface StoredPage {
  /** In name order: by folded name, then by id. */
  items: Company[];
  /** Where the last item stands, present only while more companies follow. */
  continueAfter?: NamePosition;
}

/** Persistence for companies. Every write is conditional, so concurrent writers cannot lose updates. */
export interface CompanyStore {
  /** Stores a new company; never overwrites one with the same id. */
  create(company: Company): Promise<void>;
  get(companyId: string): Promise<Company | undefined>;
  /** One page in name order, read from an index: its cost does not grow with the table. */
  list(request: ListRequest): Promise<StoredPage>;
  /** Replaces the company only while it is still at `expectedVersion`. */
  replace(company: Company, expectedVersion: number): Promise<WriteOutcome>;
  /** Deletes the company, only while it is at `expectedVersion` when one is given. */
  remove(companyId: string, expectedVersion?: number): Promise<WriteOutcome>;
}
