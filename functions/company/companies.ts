import { randomUUID } from 'node:crypto';
import type { CompanyStore } from '../store/company-store';
import { CompanyNotFound, InvalidPageToken, VersionConflict } from './errors';
import type { Company, CompanyFields, CompanyPage } from './model';
import { pageTokenCodec, type PageTokenKeyring } from './page-token';

/** What the use cases need from the outside world; tests pass their own clock. */
export interface CompanyDeps {
  store: CompanyStore;
  now?: () => Date;
}

/** Listing also signs and verifies page tokens, with the keys as they are when it runs. */
export interface ListingDeps extends CompanyDeps {
  pageTokenKeys: () => Promise<PageTokenKeyring>;
}

const clock = (deps: CompanyDeps) => deps.now ?? (() => new Date());
const timestamp = (deps: CompanyDeps) => clock(deps)().toISOString();

/** Keeps only the client's own fields, with the name trimmed, whatever else the object carries. */
function ownFields({ name, employees, ticker, location, description }: CompanyFields): CompanyFields {
  return { name: name.trim(), employees, ticker, location, description };
}

export async function createCompany(deps: CompanyDeps, fields: CompanyFields): Promise<Company> {
  const at = timestamp(deps);
  const company: Company = { ...ownFields(fields), companyId: randomUUID(), version: 1, createdAt: at, updatedAt: at };
  await deps.store.create(company);
  return company;
}

export async function getCompany(deps: CompanyDeps, companyId: string): Promise<Company> {
  const company = await deps.store.get(companyId);
  if (!company) throw new CompanyNotFound(companyId);
  return company;
}

/** A page token's payload: the 16 bytes of the company id the next page continues after. */
const idBytes = (companyId: string) => Buffer.from(companyId.replaceAll('-', ''), 'hex');

function companyIdOf(payload: Buffer): string {
  if (payload.length !== 16) throw new InvalidPageToken();
  const hex = payload.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export async function listCompanies(deps: ListingDeps, request: { limit: number; nextToken?: string }): Promise<CompanyPage> {
  const pageTokens = pageTokenCodec(await deps.pageTokenKeys(), clock(deps));
  const after = request.nextToken === undefined ? undefined : companyIdOf(pageTokens.decode(request.nextToken));
  const page = await deps.store.list(request.limit, after);
  return page.continueAfter === undefined
    ? { items: page.items }
    : { items: page.items, nextToken: pageTokens.encode(idBytes(page.continueAfter)) };
}

/** Replaces the mutable fields of the company at `expectedVersion`; any other version is a conflict. */
export async function updateCompany(
  deps: CompanyDeps,
  companyId: string,
  expectedVersion: number,
  fields: CompanyFields,
): Promise<Company> {
  const current = await getCompany(deps, companyId);
  if (current.version !== expectedVersion) throw new VersionConflict(companyId, expectedVersion);
  const updated: Company = {
    ...ownFields(fields),
    companyId,
    version: expectedVersion + 1,
    createdAt: current.createdAt,
    updatedAt: timestamp(deps),
  };
  const outcome = await deps.store.replace(updated, expectedVersion);
  if (outcome === 'missing') throw new CompanyNotFound(companyId);
  if (outcome === 'stale') throw new VersionConflict(companyId, expectedVersion);
  return updated;
}

export async function deleteCompany(deps: CompanyDeps, companyId: string, expectedVersion?: number): Promise<void> {
  const outcome = await deps.store.remove(companyId, expectedVersion);
  if (outcome === 'missing') throw new CompanyNotFound(companyId);
  if (outcome === 'stale') throw new VersionConflict(companyId, expectedVersion ?? 0);
}
