import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FunctionVersion, type RuntimeOptions } from '../../local/services/lambda/function-runtime';
import { type FunctionLogging, type FunctionSpec, lambdaDefaultLogging } from '../../local/template/stage';

/**
 * A function of the bundle: its name and handler, and what else of its FunctionSpec a test sets. Its
 * logging is what it changes in Lambda's default; its bundle is always the test's folder.
 */
export type BundleFunction = Pick<FunctionSpec, 'functionName' | 'handler'> &
  Partial<Omit<FunctionSpec, 'functionName' | 'handler' | 'bundleDir' | 'logging'>> & { logging?: Partial<FunctionLogging> };

export interface TestBundle {
  /** Every version made so far, in order: tests name their functions and versions by the count. */
  readonly versions: readonly FunctionVersion[];
  /** A version of a function of the bundle, with no variables from the stage and one environment to begin with. */
  version(spec: BundleFunction, options?: Partial<RuntimeOptions>, versionName?: string): FunctionVersion;
}

/**
 * Plain-JS files, no build needed, for the runtime's tests: written to a folder of their own before the
 * file's tests; after them every version made of them is stopped, so no environment outlives the file, and
 * the folder removed.
 */
export function testBundle(prefix: string, files: Record<string, string>): TestBundle {
  let dir: string;
  const versions: FunctionVersion[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    for (const [file, source] of Object.entries(files)) writeFileSync(join(dir, file), source);
  });
  afterAll(async () => {
    await Promise.all(versions.map((version) => version.stop()));
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    versions,
    version({ logging, ...spec }, options = {}, versionName = '1') {
      const version = new FunctionVersion(
        {
          logicalId: spec.functionName,
          bundleDir: dir,
          timeoutSeconds: 5,
          memoryMb: 128,
          environment: {},
          ...spec,
          logging: { ...lambdaDefaultLogging(spec.functionName), ...logging },
        },
        versionName,
        dir,
        { environment: () => ({}), maxConcurrency: 1, ...options },
      );
      versions.push(version);
      return version;
    },
  };
}
