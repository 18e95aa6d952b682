import type { FunctionSpec } from '../../template/stage';
import { FunctionVersion, type InvokeResult, type RuntimeOptions } from './function-runtime';

/**
 * The functions of the stage by name. Each serves its built bundle as `$LATEST`, and its
 * AutoPublishAlias (`live`) points there, as after a first `sam deploy`.
 */
export class LocalLambda {
  private readonly versions = new Map<string, FunctionVersion>();

  constructor(readonly specs: FunctionSpec[], options: RuntimeOptions) {
    for (const spec of specs) this.versions.set(spec.functionName, new FunctionVersion(spec, '$LATEST', spec.bundleDir, options));
  }

  /** Resolves a function name or ARN, qualified or not, to the version that serves it. */
  resolve(nameOrArn: string, qualifier?: string): FunctionVersion | undefined {
    const match = /^arn:aws:lambda:[^:]+:[^:]+:function:([^:]+)(?::([^:]+))?$/.exec(nameOrArn);
    const name = match ? match[1]! : nameOrArn;
    const wanted = qualifier ?? match?.[2] ?? '$LATEST';
    const version = this.versions.get(name);
    if (!version) return undefined;
    return wanted === '$LATEST' || wanted === version.spec.alias ? version : undefined;
  }

  invoke(nameOrArn: string, event: unknown, requestId?: string): Promise<InvokeResult> {
    const version = this.resolve(nameOrArn);
    if (!version) throw new Error(`No local function ${nameOrArn}`);
    return version.invoke(event, requestId);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.versions.values()].map((version) => version.stop()));
  }
}
