import { createHash } from 'node:crypto';
import type { NamePosition } from '../store/company-store';
import { clock, type CompanyDeps } from './companies';
import { InvalidPageToken } from './errors';
import type { CompanyPage } from './model';
import { foldName } from './name-order';
import { pageTokenCodec, type PageTokenKeyring } from './page-token';

/** Listing also signs and verifies page tokens, with the keys as they are when it runs. */
export interface ListingDeps extends CompanyDeps {
  pageTokenKeys: () => Promise<PageTokenKeyring>;
}

export interface ListRequest {
  limit: number;
  namePrefix?: string;
  nextToken?: string;
}

/**
 * A page token's payload: which listing it continues (a digest of the folded name prefix, empty for the
 * whole list), the 16 bytes of the last company's id, and that company's folded name.
 */
const SCOPE_BYTES = 8;
const ID_BYTES = 16;

const scopeOf = (namePrefix: string | undefined) => createHash('sha256').update(foldName(namePrefix ?? '')).digest().subarray(0, SCOPE_BYTES);

function positionBytes(scope: Buffer, { foldedName, companyId }: NamePosition): Buffer {
  return Buffer.concat([scope, Buffer.from(companyId.replaceAll('-', ''), 'hex'), Buffer.from(foldedName, 'utf8')]);
}

/** The position a token continues from, provided it continues this very listing: a token is no key to another prefix. */
function positionOf(payload: Buffer, scope: Buffer): NamePosition {
  if (payload.length <= SCOPE_BYTES + ID_BYTES || !payload.subarray(0, SCOPE_BYTES).equals(scope)) throw new InvalidPageToken();
  const hex = payload.subarray(SCOPE_BYTES, SCOPE_BYTES + ID_BYTES).toString('hex');
  const companyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { companyId, foldedName: payload.subarray(SCOPE_BYTES + ID_BYTES).toString('utf8') };
}

/** One page of companies in name order (case- and accent-insensitive, ties by id), optionally those whose name begins with a prefix. */
export async function listCompanies(deps: ListingDeps, request: ListRequest): Promise<CompanyPage> {
  const pageTokens = pageTokenCodec(await deps.pageTokenKeys(), clock(deps));
  const scope = scopeOf(request.namePrefix);
  const after = request.nextToken === undefined ? undefined : positionOf(pageTokens.decode(request.nextToken), scope);
  const page = await deps.store.list({ limit: request.limit, namePrefix: request.namePrefix, after });
  return page.continueAfter === undefined
    ? { items: page.items }
    : { items: page.items, nextToken: pageTokens.encode(positionBytes(scope, page.continueAfter)) };
}
