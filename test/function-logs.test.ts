import type { FunctionVersion } from '../local/services/lambda/function-runtime';
import { testBundle } from './support/test-bundle';

/**
 * What an execution environment's code writes reaches the stage's log as whole lines, in the order written,
 * whether written at load, during an invocation, in pieces, as bytes, to stderr, or after the answer; and a
 * long invocation's lines arrive while it still runs, not only with its answer.
 */
const BUNDLE = `
process.stdout.write('loaded\\n');
exports.handler = async (event) => {
  if (event.kind === 'pieces') {
    process.stdout.write('first ');
    process.stdout.write('half\\nsecond line\\n');
    process.stderr.write(Buffer.from('on stderr\\n'));
    console.log(JSON.stringify({ message: 'from console' }));
    setTimeout(() => console.log('after the answer'), 5);
    return 'done';
  }
  if (event.kind === 'endless') {
    process.stdout.write('x'.repeat(300 * 1024));
    return 'endless';
  }
  console.log('long invocation under way');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return 'slow';
};
`;

const bundle = testBundle('company-canary-logs-', { 'logs.js': BUNDLE });
let version: FunctionVersion;
const lines: Array<{ at: number; line: string }> = [];

// After the bundle's own beforeAll, which writes the folder the version runs from.
beforeAll(() => {
  version = bundle.version({ functionName: 'LogsFunction', handler: 'logs.handler' }, { onLog: (_fn, line) => lines.push({ at: Date.now(), line }) });
});

it('passes on whole lines in the order written, from load to after the answer', async () => {
  await expect(version.invoke({ kind: 'pieces' })).resolves.toEqual({ ok: true, payload: '"done"' });
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(lines.map((l) => l.line)).toEqual(['loaded', 'first half', 'second line', 'on stderr', '{"message":"from console"}', 'after the answer']);
});

it("passes on a long invocation's lines while it runs", async () => {
  lines.length = 0;
  const started = Date.now();
  const answered = version.invoke({ kind: 'slow' }).then(() => Date.now());
  const end = await answered;
  const line = lines.find((l) => l.line === 'long invocation under way');
  expect(line).toBeDefined();
  expect(line!.at - started).toBeLessThan(500);
  expect(end - started).toBeGreaterThanOrEqual(1000);
});

it('passes on text that never ends its line in pieces of at most 256 KB, as CloudWatch Logs takes them', async () => {
  lines.length = 0;
  await version.invoke({ kind: 'endless' });
  expect(lines.map((l) => l.line.length)).toEqual([256 * 1024]);
});
