import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AccessLogEntry } from '../services/api-gateway/api-server';
import { startLocalStage } from '../local-stage';
import { ROOT } from '../template/cloudformation';
import { loadStage } from '../template/stage';
import { buildAll, checkout, deployedState, fingerprint } from './bundles';
import { type CanaryProgress, deployVersion } from './canary';
import type { DeploymentReport, FunctionReport, TrafficSample } from './report';
import { startTraffic } from './traffic';

/**
 * A whole deployment rehearsed on a local stage: the stage starts on the current version of every
 * function, each function whose bundle changed is published as a new version and deployed exactly as
 * template.yaml says (hooks, canary, alarms), under steady traffic, and the story is written down.
 */
export interface RehearsalOptions {
  /** Where the new code is (the working tree, or a fixture copy). */
  sourceRoot: string;
  /** The current version's code: a folder, or a git ref; default: what the last rehearsal deployed, else HEAD. */
  from?: { folder: string } | { ref: string };
  /** Where deployed bundles are kept between rehearsals. */
  stateDir: string;
  /** Where .../<id>/report.json goes. */
  reportsDir: string;
  trafficRps: number;
  timeScale: number;
  dynamoEndpoint?: string;
  tableName?: string;
  onProgress?: (update: CanaryProgress & { counts: VersionCounts }) => void;
  onMessage?: (line: string) => void;
}

/** Requests and 5xx answers per version of each function, from the API's access log. */
export type VersionCounts = Record<string, Record<string, { requests: number; errors: number }>>;

export interface Rehearsal {
  report: DeploymentReport;
  reportDir: string;
}

export async function rehearse(options: RehearsalOptions): Promise<Rehearsal> {
  const say = options.onMessage ?? (() => undefined);
  const id = new Date().toISOString().replace(/[:.]/g, '-');
  const reportDir = join(options.reportsDir, id);
  const workDir = join(ROOT, '.local', 'rehearsals', id);
  const model = loadStage();
  const companyFunctions = model.functions.filter((fn) => model.deploymentOf(fn.logicalId, '1'));

  say('building the new code…');
  const candidates = await buildAll(companyFunctions, options.sourceRoot, join(workDir, 'new'));
  const baseline = await currentBundles(options, companyFunctions, workDir, say);

  const logs: string[] = [];
  const access: AccessLogEntry[] = [];
  // The stage starts on the current version (its version 1), as the deployed alias would be.
  const stage = await startLocalStage({
    port: 0,
    dynamoEndpoint: options.dynamoEndpoint,
    tableName: options.tableName,
    functionOverrides: Object.fromEntries(companyFunctions.map((fn) => [fn.logicalId, { bundleDir: baseline.get(fn.logicalId)! }])),
    onLog: (_fn, line) => logs.push(line),
    onAccess: (entry) => access.push(entry),
  });
  const startedAt = new Date();
  try {
    const targets: Array<{ fn: (typeof companyFunctions)[number]; version: string }> = [];
    const reports: FunctionReport[] = [];
    for (const fn of companyFunctions) {
      const current = stage.lambda.getAlias(fn.functionName, fn.alias!).functionVersion;
      if (fingerprint(candidates.get(fn.logicalId)!) === fingerprint(baseline.get(fn.logicalId)!)) {
        say(`${fn.logicalId}: unchanged, skipped`);
        reports.push({ logicalId: fn.logicalId, functionName: fn.functionName, currentVersion: current, outcome: 'Unchanged', timeline: [], hooks: [], alarms: [] });
      } else {
        targets.push({ fn, version: stage.lambda.publishVersion(fn.functionName, candidates.get(fn.logicalId)!) });
      }
    }

    if (targets.length > 0) {
      say(`deploying ${targets.map((t) => `${t.fn.logicalId} → version ${t.version}`).join(', ')} at time scale ${options.timeScale}`);
      const traffic = options.trafficRps > 0 ? startTraffic(stage.url, options.trafficRps) : undefined;
      const counts = (): VersionCounts => countByVersion(access);
      try {
        const ctx = { stage, timeScale: options.timeScale, logs, onProgress: (update: CanaryProgress) => options.onProgress?.({ ...update, counts: counts() }) };
        reports.push(...(await Promise.all(targets.map(({ fn, version }) => deployVersion(ctx, fn, stage.model.deploymentOf(fn.logicalId, version)!, version)))));
      } finally {
        const sent = await traffic?.stop();
        if (sent) say(`traffic: ${sent.sent} requests, ${sent.failed} answered 5xx or not at all`);
      }
      for (const report of reports) if (report.targetVersion) report.summary = summarise(report, access);
    }
    // What the aliases serve now is the current version of the next rehearsal.
    for (const fn of companyFunctions) {
      const report = reports.find((r) => r.logicalId === fn.logicalId)!;
      report.aliasAfter = stage.lambda.getAlias(fn.functionName, fn.alias!);
      deployedState.save(options.stateDir, fn.logicalId, (report.outcome === 'Succeeded' ? candidates : baseline).get(fn.logicalId)!);
    }

    const report: DeploymentReport = {
      id,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      timeScale: options.timeScale,
      trafficRps: options.trafficRps,
      outcome: targets.length === 0 ? 'NothingToDeploy' : reports.some((r) => r.outcome === 'RolledBack') ? 'RolledBack' : 'Deployed',
      functions: companyFunctions.map((fn) => reports.find((r) => r.logicalId === fn.logicalId)!),
      traffic: trafficSamples(access),
    };
    mkdirSync(reportDir, { recursive: true });
    writeFileSync(join(reportDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    return { report, reportDir };
  } finally {
    await stage.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function currentBundles(options: RehearsalOptions, functions: ReturnType<typeof loadStage>['functions'], workDir: string, say: (line: string) => void) {
  const from = options.from;
  if (from && 'folder' in from) return buildAll(functions, from.folder, join(workDir, 'current'));
  const recorded = functions.map((fn) => [fn.logicalId, deployedState.load(options.stateDir, fn.logicalId)] as const);
  if (!from && recorded.every(([, dir]) => dir)) return new Map(recorded as Array<[string, string]>);
  const ref = from?.ref ?? 'HEAD';
  say(`building the current version from ${ref}…`);
  return buildAll(functions, checkout(ref, join(workDir, 'source')), join(workDir, 'current'));
}

function countByVersion(access: AccessLogEntry[]): VersionCounts {
  const counts: VersionCounts = {};
  for (const entry of access) {
    if (!entry.functionName || !entry.executedVersion) continue;
    const byVersion = (counts[entry.functionName] ??= {});
    const count = (byVersion[entry.executedVersion] ??= { requests: 0, errors: 0 });
    count.requests++;
    if (entry.status >= 500) count.errors++;
  }
  return counts;
}

function summarise(report: FunctionReport, access: AccessLogEntry[]): FunctionReport['summary'] {
  const served = access.filter((e) => e.functionName === report.functionName && e.executedVersion === report.targetVersion);
  const firstShift = report.timeline.find((e) => e.kind === 'weight' && e.targetWeight > 0)?.at;
  const verdict = report.timeline.find((e) => e.kind === 'verdict')?.at;
  return {
    requestsServedByTarget: served.length,
    failedRequestsServedByTarget: served.filter((e) => e.status >= 500).length,
    firstShiftToVerdictMs: firstShift && verdict ? verdict - firstShift : undefined,
  };
}

function trafficSamples(access: AccessLogEntry[]): TrafficSample[] {
  const buckets = new Map<string, TrafficSample>();
  access.forEach((entry) => {
    if (!entry.functionName || !entry.executedVersion) return;
    const at = Math.floor(entry.at / 1000) * 1000;
    const key = `${at}|${entry.functionName}|${entry.executedVersion}`;
    const sample = buckets.get(key) ?? { at, functionName: entry.functionName, version: entry.executedVersion, requests: 0, errors: 0 };
    sample.requests++;
    if (entry.status >= 500) sample.errors++;
    buckets.set(key, sample);
  });
  return [...buckets.values()].sort((a, b) => a.at - b.at);
}
