import type { Probe } from './target-probe';

export interface Company {
  companyId: string;
  createdAt: string;
  [field: string]: unknown;
}

/** Test companies made through the live functions, every one removed again whatever the checks found. */
export interface Fixtures {
  create(fields: Record<string, unknown>): Promise<Company>;
  /** Registers a company a check created itself, so clean-up removes it too. */
  track(companyId: string): void;
  cleanup(): Promise<string[]>;
}

export function fixtures(liveCreate: Probe, liveDelete: Probe): Fixtures {
  const ids = new Set<string>();
  return {
    async create(fields) {
      const response = await liveCreate({ method: 'POST', path: '/companies', resource: '/companies', body: JSON.stringify(fields) });
      const company = response.body as Company;
      if (response.statusCode !== 201 || typeof company?.companyId !== 'string') {
        throw new Error(`could not create a test company through the live alias: status ${response.statusCode}`);
      }
      ids.add(company.companyId);
      return company;
    },
    track: (companyId) => void ids.add(companyId),
    /** Deletes every tracked company; answers the ids it could not remove. */
    async cleanup() {
      const leftovers: string[] = [];
      for (const companyId of ids) {
        const response = await liveDelete({
          method: 'DELETE',
          path: `/companies/${companyId}`,
          resource: '/companies/{companyId}',
          pathParameters: { companyId },
        }).catch(() => undefined);
        if (response?.statusCode === 204 || response?.statusCode === 404) ids.delete(companyId);
        else leftovers.push(companyId);
      }
      return leftovers;
    },
  };
}
