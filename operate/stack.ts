import { DescribeStacksCommand, paginateListStackResources, type StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { GetDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import type { Clients } from './target';

/**
 * What the tool operates, found from the stack's own resources as the SAM transform names them: a gradually
 * deployed function `<Fn>` has `<Fn>Alias<alias>` and `<Fn>DeploymentGroup` in ServerlessDeploymentApplication,
 * and its group lists the alarms CodeDeploy watches. Nothing is configured by hand.
 */
export interface CanaryFunction {
  logicalId: string;
  functionName: string;
  alias: string;
  application: string;
  deploymentGroup: string;
  alarms: string[];
}

export interface StackView {
  stackName: string;
  functions: CanaryFunction[];
  /** Where this project's guard logs its verdicts and stops, when the stack has it. */
  guardLogGroups: { judge?: string; stopper?: string };
  /** Where the stack's lifecycle hooks log, their gate records among it (hooks/manual-gate.ts). */
  hookLogGroups: string[];
}

/** The guard's functions, by their logical ids in template.yaml. */
export const GUARD_LOGICAL_IDS = { judge: 'CanaryJudgeFunction', stopper: 'StopDeploymentFunction' } as const;
const GROUP_SUFFIX = 'DeploymentGroup';
/** The name every hook function carries: CodeDeploy's default role invokes no other. */
const HOOK_PREFIX = 'CodeDeployHook_';

export class StackError extends Error {}

export async function readStack(clients: Clients, stackName: string | undefined): Promise<StackView> {
  const { Stacks = [] } = await clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
  if (Stacks.length !== 1) throw new StackError(`Expected one stack, found ${Stacks.length}: name it with --stack <name>.`);
  const name = Stacks[0]!.StackName!;
  const resources: StackResourceSummary[] = [];
  for await (const page of paginateListStackResources({ client: clients.cloudformation }, { StackName: name })) resources.push(...(page.StackResourceSummaries ?? []));
  const byId = new Map(resources.map((r) => [r.LogicalResourceId!, r]));
  const application = resources.find((r) => r.ResourceType === 'AWS::CodeDeploy::Application')?.PhysicalResourceId;
  const groups = resources.filter((r) => r.ResourceType === 'AWS::CodeDeploy::DeploymentGroup' && r.LogicalResourceId!.endsWith(GROUP_SUFFIX));
  const functions = await Promise.all(
    groups.map(async (group): Promise<CanaryFunction | undefined> => {
      const logicalId = group.LogicalResourceId!.slice(0, -GROUP_SUFFIX.length);
      const fn = byId.get(logicalId);
      const alias = resources.find((r) => r.ResourceType === 'AWS::Lambda::Alias' && r.LogicalResourceId!.startsWith(`${logicalId}Alias`));
      if (fn?.ResourceType !== 'AWS::Lambda::Function' || !alias || !application) return undefined;
      const { deploymentGroupInfo } = await clients.codedeploy.send(new GetDeploymentGroupCommand({ applicationName: application, deploymentGroupName: group.PhysicalResourceId }));
      return {
        logicalId,
        functionName: fn.PhysicalResourceId!,
        // An alias's physical id is its ARN, which ends in its name.
        alias: alias.PhysicalResourceId!.split(':').pop()!,
        application,
        deploymentGroup: group.PhysicalResourceId!,
        alarms: (deploymentGroupInfo?.alarmConfiguration?.alarms ?? []).map((a) => a.name!),
      };
    }),
  );
  const logGroupOf = async (logicalId: string) => {
    const physical = byId.get(logicalId)?.PhysicalResourceId;
    return physical && (await functionLogGroup(clients, physical));
  };
  const guardLogGroups = { judge: await logGroupOf(GUARD_LOGICAL_IDS.judge), stopper: await logGroupOf(GUARD_LOGICAL_IDS.stopper) };
  const hooks = resources.filter((r) => r.ResourceType === 'AWS::Lambda::Function' && r.PhysicalResourceId?.startsWith(HOOK_PREFIX));
  const hookLogGroups = await Promise.all(hooks.map((hook) => functionLogGroup(clients, hook.PhysicalResourceId!)));
  return { stackName: name, functions: functions.filter((f) => f !== undefined).sort((a, b) => a.logicalId.localeCompare(b.logicalId)), guardLogGroups, hookLogGroups };
}

async function functionLogGroup(clients: Clients, functionName: string): Promise<string> {
  const configuration = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  return configuration.LoggingConfig?.LogGroup ?? `/aws/lambda/${functionName}`;
}

/** The functions the user named (by logical id or function name), all when none. */
export function chosen(stack: StackView, names: string[]): CanaryFunction[] {
  if (names.length === 0) return stack.functions;
  return names.map((name) => {
    const fn = stack.functions.find((f) => f.logicalId === name || f.functionName === name);
    if (!fn) throw new StackError(`${name} is not a gradually deployed function of ${stack.stackName}: try one of ${stack.functions.map((f) => f.logicalId).join(', ')}.`);
    return fn;
  });
}
