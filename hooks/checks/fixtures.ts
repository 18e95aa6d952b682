import type { Probe } from './target-probe';

export interface Company {
  companyId: string;
  createdAt: string;
  [field: string]: unknown;
}

/** Test companies made through the live functions, every one removed again whatever the checks found. */
export interface Fixtures {
  create(fields: Record<string, unknown>): Promise<Company>;
  /** The same probe, noting every company an answer reports as stored, so clean-up removes it too. */
  tracking(target: Probe): Probe;
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
    tracking: (target) => async (request) => {
      const response = await target(request);
      const companyId = (response.body as { companyId?: unknown } | undefined)?.companyId;
      if (response.statusCode >= 200 && response.statusCode < 300 && typeof companyId === 'string') ids.add(companyId);
      return response;
    },
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
