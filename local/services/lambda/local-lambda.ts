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
  aliases: Map<string, AliasRouting>;
}

export type Invocation = { version: FunctionVersion; requestId: string; result: InvokeResult };

export class FunctionNotFound extends Error {
  constructor(readonly resource: string) {
    super(`Function not found: ${resource}`);
    this.name = 'ResourceNotFoundException';
  }
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
      const fn: LocalFunction = { spec, versions: new Map(), aliases: new Map() };
      fn.versions.set('$LATEST', new FunctionVersion(spec, '$LATEST', spec.bundleDir, options));
      this.functions.set(spec.functionName, fn);
      const first = this.publishVersion(spec.functionName, spec.bundleDir);
      if (spec.alias) fn.aliases.set(spec.alias, { functionVersion: first, additionalVersionWeights: {} });
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
    return version;
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

  updateAlias(functionName: string, alias: string, routing: AliasRouting): void {
    const fn = this.function(functionName);
    for (const version of [routing.functionVersion, ...Object.keys(routing.additionalVersionWeights)]) {
      if (!fn.versions.has(version)) throw new FunctionNotFound(`${functionName}:${version}`);
    }
    fn.aliases.set(alias, routing);
  }

  /** The version an invocation of a name or ARN runs: a version as named, or an alias's by its weights. */
  resolve(nameOrArn: string, qualifier?: string): { version: FunctionVersion; qualifier: string; viaAlias: boolean } {
    const match = /^arn:aws:lambda:[^:]+:[^:]+:function:([^:]+)(?::([^:]+))?$/.exec(nameOrArn);
    const name = match ? match[1]! : nameOrArn;
    const wanted = qualifier ?? match?.[2] ?? '$LATEST';
    const fn = this.function(name);
    const routing = fn.aliases.get(wanted);
    const found = fn.versions.get(routing ? routeByWeight(routing) : wanted);
    if (!found) throw new FunctionNotFound(`${name}:${wanted}`);
    return { version: found, qualifier: wanted, viaAlias: routing !== undefined };
  }

  async invoke(nameOrArn: string, event: unknown, qualifier?: string): Promise<Invocation> {
    if (this.stopped) throw new Error(`the local Lambda service has stopped: ${nameOrArn} was not invoked`);
    const target = this.resolve(nameOrArn, qualifier);
    const at = Date.now();
    const started = performance.now();
    const requestId = randomUUID();
    const result = await target.version.invoke(event, requestId);
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
