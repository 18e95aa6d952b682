import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import type { StageCredentials } from '../../local/credentials';
import { LOCAL_REGION } from '../../local/template/cloudformation';

/**
 * The real AWS CLI and boto3, which this machine ships through python3, as checks that a local service speaks
 * its AWS protocol: their strict parsers read its answers. Where one is missing, a suite skips that part under
 * a name that says so and how to get it.
 */
export const run = promisify(execFile);

function missingTool(command: string, args: string[]): string | undefined {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return undefined;
  } catch {
    return `\`${[command, ...args.map((arg) => (arg.includes(' ') ? `'${arg}'` : arg))].join(' ')}\` fails`;
  }
}

const INSTALL = 'pip install awscli boto3';
const cliMissing = missingTool('aws', ['--version']);
const boto3Missing = missingTool('python3', ['-c', 'import boto3']);

/** A describe block for what one tool checks, or a skipped one whose name says what is missing and how to get it. */
export function describeWithTool(tool: 'the AWS CLI' | 'boto3', body: () => void): void {
  const missing = tool === 'the AWS CLI' ? cliMissing : boto3Missing;
  if (!missing) return describe(tool, body);
  console.warn(`Skipping what ${tool} checks: ${missing}; install with ${INSTALL}`);
  describe.skip(`${tool} (SKIPPED: ${missing}; install with ${INSTALL})`, body);
}

/** The stage's credentials and region, and nothing of this machine's own AWS configuration. */
export function awsEnvironment(credentials: StageCredentials): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return {
    ...env,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
}

/** The AWS CLI for one service against a local endpoint, with the stage's credentials: its JSON answer, if any. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the CLI's JSON, which each test reads as the service's shape
export async function awsCli(service: string, endpoint: string, credentials: StageCredentials, ...args: string[]): Promise<any> {
  const { stdout } = await run('aws', [service, ...args, '--endpoint-url', endpoint, '--output', 'json'], { env: awsEnvironment(credentials) });
  return stdout.trim() ? JSON.parse(stdout) : undefined;
}

/**
 * A boto3 script against a local endpoint, with the stage's credentials: `client` is made for it (the service
 * at that endpoint), `sys.argv[1:]` holds `args`. Answers the lines it printed.
 */
export async function boto3(service: string, endpoint: string, credentials: StageCredentials, body: string[], ...args: string[]): Promise<string[]> {
  const script = ['import boto3, sys', `client = boto3.client('${service}', endpoint_url=sys.argv[1])`, 'sys.argv = sys.argv[1:]', ...body].join('\n');
  const { stdout } = await run('python3', ['-c', script, endpoint, ...args], { env: awsEnvironment(credentials) });
  return stdout.trim().split('\n');
}
