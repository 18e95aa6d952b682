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
