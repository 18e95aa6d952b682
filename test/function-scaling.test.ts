import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FunctionVersion } from '../local/services/lambda/function-runtime';

/**
 * A version's pool grows when its invocations wait on something slow, as Lambda scales out, and not when
 * fast invocations merely queue behind one pause: an environment started then would only begin cold.
 */
const BUNDLE = `
const environmentId = Math.random().toString(36).slice(2);
exports.handler = async (event) => {
  if (event.pauseMs) {
    const until = Date.now() + event.pauseMs;
    while (Date.now() < until);
  }
  if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  return environmentId;
};
`;

let dir: string;
const versions: FunctionVersion[] = [];

function singleEnvironmentVersion(): FunctionVersion {
  const version = new FunctionVersion(
    { logicalId: 'ScalingFunction', functionName: 'ScalingFunction', handler: 'scaling.handler', bundleDir: dir, timeoutSeconds: 10, memoryMb: 128, environment: {} },
    String(versions.length + 1),
    dir,
    { environment: () => ({}), maxConcurrency: 1 },
  );
  versions.push(version);
  return version;
}

const environmentsUsed = async (invocations: Array<Promise<unknown>>) => {
  const results = await Promise.all(invocations);
  return new Set(results.map((result) => JSON.stringify(result))).size;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'company-canary-scaling-'));
  writeFileSync(join(dir, 'scaling.js'), BUNDLE);
});
afterAll(async () => {
  await Promise.all(versions.map((version) => version.stop()));
  rmSync(dir, { recursive: true, force: true });
});

it('starts more environments for invocations that wait on something slow', async () => {
  const version = singleEnvironmentVersion();
  await version.invoke({});
  const started = Date.now();
  const used = await environmentsUsed(Array.from({ length: 6 }, () => version.invoke({ sleepMs: 400 })));
  // One environment would take 6 × 400 ms; each waiter scales out after 100 ms.
  expect(used).toBeGreaterThan(1);
  expect(Date.now() - started).toBeLessThan(6 * 400 - 800);
});

it('keeps its environments when fast invocations queue behind one pause', async () => {
  const version = singleEnvironmentVersion();
  for (let i = 0; i < 10; i++) await version.invoke({});
  const pause = version.invoke({ pauseMs: 300 });
  const queued = Array.from({ length: 20 }, () => version.invoke({}));
  expect(await environmentsUsed([pause, ...queued])).toBe(1);
});
