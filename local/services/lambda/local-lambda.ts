import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FunctionSpec } from '../../template/stage';
import { FunctionVersion, type InvokeResult, type RuntimeOptions } from './function-runtime';

/** An alias as Lambda keeps it: one version, plus an optional share of invocations routed to another. */
export interface AliasRouting {
  functionVersion: string;
  additionalVersionWeights: Record<string, number>;
}

interface LocalFunction {
  spec: FunctionSpec;
  versions: Map<string, FunctionVersion>;
  /** When each version was published (Lambda's LastModified). */
  published: Map<string, Date>;
  aliases: Map<string, AliasRouting>;
  /** Each alias's RevisionId: Lambda gives a new one at every update, so that a writer can tell it read the latest. */
  revisions: Map<string, string>;
}

/** A function, version or alias as an operator reads it (GetFunctionConfiguration, ListVersionsByFunction, GetAlias). */
export interface PublishedVersion {
  spec: FunctionSpec;
  version: string;
  bundleDir: string;
  publishedAt: Date;
}
export interface NamedAlias {
  functionName: string;
  name: string;
  routing: AliasRouting;
  revisionId: string;
}

export type Invocation = { version: FunctionVersion; requestId: string; result: InvokeResult };

export class FunctionNotFound extends Error {
  constructor(readonly resource: string) {
    super(`Function not found: ${resource}`);
    this.name = 'ResourceNotFoundException';
  }
}

export class AliasNotFound extends FunctionNotFound {
  constructor(resource: string) {
    super(resource);
    this.message = `Alias not found: ${resource}`;
  }
}

/** A qualifier given twice, differently: in the function's name (or ARN) and as the Qualifier parameter. */
export class QualifierConflict extends Error {}

/** An UpdateAlias that Lambda refuses: a routing it does not allow. */
export class InvalidRouting extends Error {}

/** An UpdateAlias whose RevisionId is no longer the alias's: someone changed it since the caller read it. */
export class StaleRevision extends Error {
  constructor() {
    super('The Revision Id provided does not match the latest Revision Id. Call the GetAlias API to retrieve the latest Revision Id');
  }
}

/** What UpdateAlias asks: a new version, a new routing, or both, given the RevisionId the caller read. */
export interface AliasUpdate {
  functionVersion?: string;
  additionalVersionWeights?: Record<string, number>;
  revisionId?: string;
}

/**
 * The function and qualifier a FunctionName names, in each form Lambda takes: a name, `name:qualifier`, a
 * partial ARN (`account:function:name[:qualifier]`) or a full ARN.
 */
export function parseFunctionName(nameOrArn: string, qualifier?: string): { name: string; wanted: string } {
  const match = /^(?:arn:aws:lambda:[^:]+:)?(?:[0-9]{12}:function:)?([^:]+)(?::([^:]+))?$/.exec(nameOrArn);
  const name = match ? match[1]! : nameOrArn;
  const named = match?.[2];
  if (named !== undefined && qualifier !== undefined && named !== qualifier) {
    throw new QualifierConflict(`The derived qualifier from the function name does not match the specified qualifier.`);
  }
  return { name, wanted: qualifier ?? named ?? '$LATEST' };
}

/**
 * The functions of the stage, as Lambda holds them after a first `sam deploy`: `$LATEST` runs the
 * current build, version 1 is an immutable copy of it, and the AutoPublishAlias (`live`) points at 1.
 * Later versions are published from other bundles, and aliases route by weight like Lambda's.
 */
export class LocalLambda {
  private readonly functions = new Map<string, LocalFunction>();
  private readonly publishedDir = mkdtempSync(join(tmpdir(), 'company-canary-lambda-'));
  /** Once stopped, it starts no environment again: a late event delivery must not keep the process alive. */
  private stopped = false;

  constructor(specs: FunctionSpec[], private readonly options: RuntimeOptions) {
    for (const spec of specs) {
      const fn: LocalFunction = { spec, versions: new Map(), published: new Map(), aliases: new Map(), revisions: new Map() };
      fn.versions.set('$LATEST', new FunctionVersion(spec, '$LATEST', spec.bundleDir, options));
      fn.published.set('$LATEST', new Date());
      this.functions.set(spec.functionName, fn);
      const first = this.publishVersion(spec.functionName, spec.bundleDir);
      if (spec.alias) this.updateAlias(spec.functionName, spec.alias, { functionVersion: first, additionalVersionWeights: {} });
    }
  }

  get specs(): FunctionSpec[] {
    return [...this.functions.values()].map((fn) => fn.spec);
  }

  /** Publishes a copy of `bundleDir` as the function's next version, and answers its number. */
  publishVersion(functionName: string, bundleDir: string): string {
    const fn = this.function(functionName);
    const version = String(Math.max(0, ...[...fn.versions.keys()].filter((v) => v !== '$LATEST').map(Number)) + 1);
    const copy = join(this.publishedDir, functionName, version);
    cpSync(bundleDir, copy, { recursive: true });
    fn.versions.set(version, new FunctionVersion(fn.spec, version, copy, this.options));
    fn.published.set(version, new Date());
    return version;
  }

  /** A function's `$LATEST` and published versions, oldest first, as ListVersionsByFunction lists them. */
  versionsOf(functionName: string): PublishedVersion[] {
    const fn = this.function(functionName);
    return [...fn.versions.values()].map((v) => ({ spec: fn.spec, version: v.version, bundleDir: v.bundleDir, publishedAt: fn.published.get(v.version)! }));
  }

  /** What a name, ARN or `name:qualifier` names (`$LATEST` unless qualified): an alias reads as its version. */
  describe(nameOrArn: string, qualifier?: string): PublishedVersion {
    const { name, wanted } = parseFunctionName(nameOrArn, qualifier);
    const fn = this.function(name);
    const version = fn.aliases.get(wanted)?.functionVersion ?? wanted;
    const found = this.versionsOf(name).find((v) => v.version === version);
    if (!found) throw new FunctionNotFound(`${name}:${wanted}`);
    return found;
  }

  /** A function's aliases, by name, as ListAliases lists them. */
  aliasesOf(nameOrArn: string): NamedAlias[] {
    const { name } = parseFunctionName(nameOrArn);
    const fn = this.function(name);
    return [...fn.aliases.keys()].sort().map((alias) => ({ functionName: name, name: alias, routing: fn.aliases.get(alias)!, revisionId: fn.revisions.get(alias)! }));
  }

  aliasNamed(nameOrArn: string, alias: string): NamedAlias {
    const found = this.aliasesOf(nameOrArn).find((a) => a.name === alias);
    if (!found) throw new AliasNotFound(`${parseFunctionName(nameOrArn).name}:${alias}`);
    return found;
  }

  /** Where a published version's code lives. */
  bundleOf(functionName: string, version: string): string {
    const found = this.function(functionName).versions.get(version);
    if (!found) throw new FunctionNotFound(`${functionName}:${version}`);
    return found.bundleDir;
  }

  getAlias(functionName: string, alias: string): AliasRouting {
    const routing = this.function(functionName).aliases.get(alias);
    if (!routing) throw new FunctionNotFound(`${functionName}:${alias}`);
    return routing;
  }

  /**
   * UpdateAlias as Lambda's API takes it: published versions only, at most one more version with a weight from 0
   * to 1 (an alias routes to two versions at most), and, when the caller gives the RevisionId it read, only if no
   * one has changed the alias since.
   */
  changeAlias(nameOrArn: string, alias: string, update: AliasUpdate): NamedAlias {
    const current = this.aliasNamed(nameOrArn, alias);
    if (update.revisionId !== undefined && update.revisionId !== current.revisionId) throw new StaleRevision();
    const functionVersion = update.functionVersion ?? current.routing.functionVersion;
    const weights = update.additionalVersionWeights ?? (update.functionVersion === undefined ? current.routing.additionalVersionWeights : {});
    const entries = Object.entries(weights);
    if (entries.length > 1) throw new InvalidRouting('RoutingConfig: an alias routes to at most one version besides its own.');
    if (entries.length > 0 && [functionVersion, ...Object.keys(weights)].includes('$LATEST')) throw new InvalidRouting('An alias that routes by weight cannot point to $LATEST; publish a version.');
    for (const [version, weight] of entries) {
      if (version === functionVersion) throw new InvalidRouting(`RoutingConfig: version ${version} is already the alias's own version.`);
      if (typeof weight !== 'number' || !(weight >= 0 && weight <= 1)) throw new InvalidRouting(`RoutingConfig: the weight of version ${version} must be between 0.0 and 1.0.`);
    }
    this.updateAlias(current.functionName, alias, { functionVersion, additionalVersionWeights: weights });
    return this.aliasNamed(current.functionName, alias);
  }

  updateAlias(functionName: string, alias: string, routing: AliasRouting): void {
    const fn = this.function(functionName);
    for (const version of [routing.functionVersion, ...Object.keys(routing.additionalVersionWeights)]) {
      if (!fn.versions.has(version)) throw new FunctionNotFound(`${functionName}:${version}`);
    }
    fn.aliases.set(alias, routing);
    fn.revisions.set(alias, randomUUID());
  }

  /** The version an invocation of a name or ARN runs: a version as named, or an alias's by its weights. */
  resolve(nameOrArn: string, qualifier?: string): { version: FunctionVersion; qualifier: string; viaAlias: boolean } {
    const { name, wanted } = parseFunctionName(nameOrArn, qualifier);
    const fn = this.function(name);
    const routing = fn.aliases.get(wanted);
    const found = fn.versions.get(routing ? routeByWeight(routing) : wanted);
    if (!found) throw new FunctionNotFound(`${name}:${wanted}`);
    return { version: found, qualifier: wanted, viaAlias: routing !== undefined };
  }

  /** Runs the version the name resolves to; with keepLog, the result holds the invocation's log events (InvokeResult.log). */
  async invoke(nameOrArn: string, event: unknown, qualifier?: string, keepLog = false): Promise<Invocation> {
    if (this.stopped) throw new Error(`the local Lambda service has stopped: ${nameOrArn} was not invoked`);
    const target = this.resolve(nameOrArn, qualifier);
    const at = Date.now();
    const started = performance.now();
    const requestId = randomUUID();
    const result = await target.version.invoke(event, requestId, keepLog);
    this.options.onInvocation?.({
      functionName: target.version.spec.functionName,
      qualifier: target.qualifier,
      executedVersion: target.version.version,
      viaAlias: target.viaAlias,
      at,
      durationMs: performance.now() - started,
      functionError: !result.ok,
      errorType: result.ok ? undefined : result.error.errorType,
    });
    return { version: target.version, requestId, result };
  }

  /**
   * Sets some of a function's environment variables until the answered restore is called; its environments
   * start again either way, so that the next invocation reads them.
   */
  async overrideEnvironment(functionName: string, variables: Record<string, string>): Promise<() => Promise<void>> {
    const { spec } = this.function(functionName);
    const original = spec.environment;
    spec.environment = { ...original, ...variables };
    await this.restart(functionName);
    return async () => {
      spec.environment = original;
      await this.restart(functionName);
    };
  }

  /** Ends every execution environment of a function, so the next invocation starts cold. */
  async restart(functionName: string): Promise<void> {
    await Promise.all([...this.function(functionName).versions.values()].map((version) => version.stop()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.functions.values()].flatMap((fn) => [...fn.versions.values()].map((version) => version.stop())));
    rmSync(this.publishedDir, { recursive: true, force: true });
  }

  private function(nameOrArn: string): LocalFunction {
    const name = /:function:([^:]+)/.exec(nameOrArn)?.[1] ?? nameOrArn;
    const fn = this.functions.get(name);
    if (!fn) throw new FunctionNotFound(name);
    return fn;
  }
}

/** Lambda's weighted alias routing: each additional version takes its share, the main version the rest. */
function routeByWeight(routing: AliasRouting): string {
  let draw = Math.random();
  for (const [version, weight] of Object.entries(routing.additionalVersionWeights)) {
    if (draw < weight) return version;
    draw -= weight;
  }
  return routing.functionVersion;
}
