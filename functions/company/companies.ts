import { randomUUID } from 'node:crypto';
import type { CompanyStore } from '../store/company-store';
import { CompanyNotFound, VersionConflict } from './errors';
import type { Company, CompanyFields } from './model';

/** What the use cases need from the outside world; tests pass their own clock. */
export interface CompanyDeps {
  store: CompanyStore;
  now?: () => Date;
}

export const clock = (deps: CompanyDeps) => deps.now ?? (() => new Date());
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
