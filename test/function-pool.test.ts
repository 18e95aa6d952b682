import { getPriority } from 'node:os';
import { ENVIRONMENT_NICENESS, FunctionVersion } from '../local/services/lambda/function-runtime';
import { testBundle } from './support/test-bundle';

/**
 * A version's pool: one invocation at a time per environment, even with the next sent ahead; what was sent
 * ahead survives its environment's timeout and ends with the stage; the pool grows when invocations wait on
 * something slow, as Lambda scales out, and not when fast ones merely queue behind one pause or a cold start;
 * its environments run at a lower CPU priority than the stage; the event reaches the handler through JSON.
 */
const BUNDLE = `
const { getPriority } = require('node:os');
const environmentId = Math.random().toString(36).slice(2);
let active = 0;
let served = 0;
const compute = (ms) => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};
exports.handler = async (event) => {
  active++;
  const overlapping = active > 1;
  try {
    if (served++ === 0 && event.coldStartMs) compute(event.coldStartMs);
    if (event.pauseMs) compute(event.pauseMs);
    if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
    if (event.hang) await new Promise(() => {});
    if (event.describe) return { keys: Object.keys(event), atType: typeof event.at };
    return { environmentId, overlapping: overlapping || active > 1, niceness: getPriority() };
  } finally {
    active--;
  }
};
`;

const bundle = testBundle('company-canary-pool-', { 'pool.js': BUNDLE });

function singleEnvironmentVersion(timeoutSeconds = 10): FunctionVersion {
  return bundle.version({ functionName: 'PoolFunction', handler: 'pool.handler', timeoutSeconds }, {}, String(bundle.versions.length + 1));
}

type Answer = { environmentId: string; overlapping: boolean; niceness: number };
const answerOf = <T = Answer>(result: Awaited<ReturnType<FunctionVersion['invoke']>>): T => {
  if (!result.ok) throw new Error(`${result.error.errorType}: ${result.error.errorMessage}`);
  return JSON.parse(result.payload) as T;
};
const environmentsUsed = async (invocations: Array<ReturnType<FunctionVersion['invoke']>>) =>
  new Set((await Promise.all(invocations)).map((result) => answerOf(result).environmentId)).size;

it('runs one invocation at a time in an environment, with the next sent ahead', async () => {
  const version = singleEnvironmentVersion();
  const answers = (await Promise.all(Array.from({ length: 12 }, () => version.invoke({ sleepMs: 5 })))).map(answerOf);
  expect(answers.filter((answer) => answer.overlapping)).toEqual([]);
  expect(new Set(answers.map((answer) => answer.environmentId)).size).toBe(1);
});

it('gives what was sent ahead to a new environment when the one it waited on times out', async () => {
  const version = singleEnvironmentVersion(1);
  for (let i = 0; i < 3; i++) await version.invoke({});
  const hung = version.invoke({ hang: true });
  const behind = version.invoke({});
  await expect(hung).resolves.toMatchObject({ ok: false, error: { errorType: 'Sandbox.Timedout' } });
  expect(answerOf(await behind).overlapping).toBe(false);
});

it('ends what was sent ahead when the version stops', async () => {
  const version = singleEnvironmentVersion();
  for (let i = 0; i < 3; i++) await version.invoke({});
  const hung = version.invoke({ hang: true });
  const behind = version.invoke({});
  await new Promise((resolve) => setTimeout(resolve, 50));
  await version.stop();
  for (const result of await Promise.all([hung, behind])) expect(result).toMatchObject({ ok: false, error: { errorType: 'Runtime.ExitError' } });
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

it('keeps its environments when fast invocations queue behind a cold start', async () => {
  const version = singleEnvironmentVersion();
  const invocations = Array.from({ length: 20 }, () => version.invoke({ coldStartMs: 300 }));
  expect(await environmentsUsed(invocations)).toBe(1);
});

// Linux alone keeps a nice value per thread; elsewhere the runtime leaves priorities alone.
(process.platform === 'linux' ? it : it.skip)('runs its environments at a lower CPU priority than the stage, and leaves the stage its own', async () => {
  const stagePriority = getPriority();
  const version = singleEnvironmentVersion();
  const { niceness } = answerOf(await version.invoke({}));
  expect(niceness).toBe(Math.min(19, stagePriority + ENVIRONMENT_NICENESS));
  expect(getPriority()).toBe(stagePriority);
});

it('hands the handler its event through JSON, as Lambda does', async () => {
  const answer = answerOf<{ keys: string[]; atType: string }>(
    await singleEnvironmentVersion().invoke({ describe: true, at: new Date(0), dropped: undefined }),
  );
  expect(answer).toEqual({ keys: ['describe', 'at'], atType: 'string' });
});
