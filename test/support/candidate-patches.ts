import type { SourcePatch } from './candidates';

/**
 * The deliberate changes candidate versions are built with, named for what they do to a deployment.
 * Tests and bench:canary share them, so each bug is written once.
 */

/** Harmless: one more response header. */
export const goodGetCompany: SourcePatch = {
  file: 'functions/get-company.ts',
  find: 'companyResponse(200, await getCompany(deps, path.companyId))',
  replace: "companyResponse(200, await getCompany(deps, path.companyId), { 'Cache-Control': 'private' })",
};

/** Harmless: one more response header on the list. */
export const goodListCompanies: SourcePatch = {
  file: 'functions/list-companies.ts',
  find: 'return json(200, await listCompanies(deps, query));',
  replace: "return json(200, await listCompanies(deps, query), { 'Cache-Control': 'private' });",
};

/** A functional bug PreTraffic catches: an unknown id answers 200. */
export const getCompanyFindsAnything: SourcePatch = {
  file: 'functions/get-company.ts',
  find: 'await getCompany(deps, path.companyId)',
  replace: 'await getCompany(deps, path.companyId).catch(() => ({ companyId: path.companyId }) as never)',
};

/** Fails reads of the traffic generator's companies; the PreTraffic checks read others and pass. */
export const getCompanyFailsOnTraffic: SourcePatch = {
  file: 'functions/get-company.ts',
  find: 'return companyResponse(200, await getCompany(deps, path.companyId));',
  replace:
    "const company = await getCompany(deps, path.companyId); if (company.name.startsWith('Traffic')) throw new Error('candidate bug'); return companyResponse(200, company);",
};

/** Correct but slower than the latency alarm allows. */
export const slowGetCompany: SourcePatch = {
  file: 'functions/get-company.ts',
  find: 'const { path } =',
  replace: 'await new Promise((resolve) => setTimeout(resolve, 1200)); const { path } =',
};

/** A listing bug only the journey sees: companies named like the journey's are left out. */
export const listHidesJourneyCompanies: SourcePatch = {
  file: 'functions/list-companies.ts',
  find: 'return json(200, await listCompanies(deps, query));',
  replace:
    "const page = await listCompanies(deps, query); return json(200, { ...page, items: page.items.filter((c) => !c.name.startsWith('Company journey')) });",
};

/**
 * Fails one in five of the users' reads (the traffic generator's companies); the PreTraffic checks and the
 * journey read companies of their own and pass, so only the alarms can stop it.
 */
export const getCompanyFailsOneInFive: SourcePatch = {
  file: 'functions/get-company.ts',
  find: 'return companyResponse(200, await getCompany(deps, path.companyId));',
  replace:
    "const company = await getCompany(deps, path.companyId); if (company.name.startsWith('Traffic') && Math.random() < 0.2) throw new Error('candidate bug'); return companyResponse(200, company);",
};

/**
 * Fails exactly every fifth of the users' reads in each execution environment: 20 % with none of the
 * binomial luck of getCompanyFailsOneInFive, for a test of the chain's timing rather than of the
 * statistics (bench:judge gives those: a random 20 % is stopped within 30 s in about 97 % of canaries).
 */
export const getCompanyFailsEveryFifth: SourcePatch = {
  file: 'functions/get-company.ts',
  find: 'return companyResponse(200, await getCompany(deps, path.companyId));',
  replace:
    "const company = await getCompany(deps, path.companyId); const reads = globalThis as { trafficReads?: number }; if (company.name.startsWith('Traffic') && (reads.trafficReads = (reads.trafficReads ?? 0) + 1) % 5 === 0) throw new Error('candidate bug'); return companyResponse(200, company);",
};

/** Throws as its module loads: every invocation is a Runtime.ImportModuleError. */
export const getCompanyThrowsAtLoad: SourcePatch = {
  file: 'functions/get-company.ts',
  find: 'export const handler =',
  replace: "if (process.env.AWS_LAMBDA_FUNCTION_NAME) throw new Error('candidate bug at load');\nexport const handler =",
};

/** Correct, but 250 ms slower on every request: under the latency alarm's threshold, not under the judge's eye. */
export const getCompanyQuarterSecondSlower: SourcePatch = {
  file: 'functions/get-company.ts',
  find: 'const { path } =',
  replace: 'await new Promise((resolve) => setTimeout(resolve, 250)); const { path } =',
};
