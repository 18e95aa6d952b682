import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { runningStage, type StageFile } from '../local';

/**
 * Where the operator tool works: a deployed stack, through the AWS SDK's own credential chain (or a named
 * profile) and region; or the stage `npm start` serves, through the same SDK calls pointed at its endpoints
 * and signed with its credentials. Nothing else differs between the two.
 */
export interface Target {
  /** For the user: which stack, where. */
  label: string;
  /** The stack to read; undefined on the local stage, which plays one stack only and names it itself. */
  stackName?: string;
  clients: Clients;
  /** The running local stage, for what only it can do (promote). */
  local?: StageFile;
}

export interface Clients {
  cloudformation: CloudFormationClient;
  lambda: LambdaClient;
  codedeploy: CodeDeployClient;
  cloudwatch: CloudWatchClient;
  logs: CloudWatchLogsClient;
}

export interface TargetOptions {
  local?: boolean;
  stack?: string;
  region?: string;
  profile?: string;
}

export class TargetError extends Error {}

export function targetOf(options: TargetOptions): Target {
  if (options.local && options.stack) throw new TargetError('Give --local or --stack <name>, not both.');
  if (options.local) {
    const stage = runningStage();
    if (!stage) throw new TargetError('No local stage is running: start one with npm start, then try again.');
    const config = { region: stage.region, credentials: stage.credentials };
    const endpoint = (service: string) => stage.endpoints[`AWS_ENDPOINT_URL_${service}`];
    return {
      label: `the local stage (${stage.url})`,
      local: stage,
      clients: {
        cloudformation: new CloudFormationClient({ ...config, endpoint: endpoint('CLOUDFORMATION') }),
        lambda: new LambdaClient({ ...config, endpoint: endpoint('LAMBDA') }),
        codedeploy: new CodeDeployClient({ ...config, endpoint: endpoint('CODEDEPLOY') }),
        cloudwatch: new CloudWatchClient({ ...config, endpoint: endpoint('CLOUDWATCH') }),
        logs: new CloudWatchLogsClient({ ...config, endpoint: endpoint('CLOUDWATCH_LOGS') }),
      },
    };
  }
  if (!options.stack) throw new TargetError('Say where: --local for the running npm start stage, or --stack <name> [--region <r>] [--profile <p>] for a deployed stack.');
  const config = { region: options.region, profile: options.profile };
  return {
    label: `stack ${options.stack}${options.region ? ` in ${options.region}` : ''}`,
    stackName: options.stack,
    clients: {
      cloudformation: new CloudFormationClient(config),
      lambda: new LambdaClient(config),
      codedeploy: new CodeDeployClient(config),
      cloudwatch: new CloudWatchClient(config),
      logs: new CloudWatchLogsClient(config),
    },
  };
}

export function closeTarget(target: Target): void {
  for (const client of Object.values(target.clients)) client.destroy();
}
