import { obj, refTargets, subText, type Node } from './nodes';
import { deploymentEnabled, samFunctions } from './sam';
import type { Symbols } from './symbols';

/** CodeDeploy: gradual deployments and their lifecycle hooks. */

const HOOK_PREFIX = 'CodeDeployHook_';

export function deploymentProblems(template: Node, symbols: Symbols): string[] {
  const functions = samFunctions(template);
  const byId = new Map(functions);
  return functions.flatMap(([id, properties]) => {
    const at = `Resources.${id}.Properties.DeploymentPreference`;
    const preference = obj(properties.DeploymentPreference);
    return [
      ...hookProblems(obj(preference.Hooks), byId, `${at}.Hooks`),
      ...(deploymentEnabled(properties.DeploymentPreference) ? enabledDeploymentProblems(properties, symbols, at) : []),
    ];
  });
}

function hookProblems(hooks: Node, functions: Map<string, Node>, at: string): string[] {
  return Object.entries(hooks).flatMap(([hook, value]) => {
    const [target] = refTargets(value);
    const hookFunction = target === undefined ? undefined : functions.get(target);
    if (!hookFunction) return [`${at}.${hook}: must Ref an AWS::Serverless::Function of this template`];
    const problems: string[] = [];
    if (!subText(hookFunction.FunctionName)?.startsWith(HOOK_PREFIX)) {
      problems.push(`Resources.${target}.Properties.FunctionName: the ${hook} hook's name must start with ${HOOK_PREFIX}: CodeDeploy's default role may invoke only such functions`);
    }
    if (obj(hookFunction.DeploymentPreference).Enabled !== false) {
      problems.push(`Resources.${target}.Properties.DeploymentPreference.Enabled: must be false for the ${hook} hook, which is not itself deployed through CodeDeploy`);
    }
    return problems;
  });
}

function enabledDeploymentProblems(properties: Node, symbols: Symbols, at: string): string[] {
  const preference = obj(properties.DeploymentPreference);
  const problems: string[] = [];
  if (properties.AutoPublishAlias === undefined) {
    problems.push(`${at}: an enabled DeploymentPreference needs AutoPublishAlias, the alias CodeDeploy shifts`);
  }
  if (!Array.isArray(preference.Alarms) || preference.Alarms.length === 0) {
    problems.push(`${at}.Alarms: an enabled DeploymentPreference needs alarms to roll back on`);
  }
  for (const alarm of refTargets(preference.Alarms).filter((id) => symbols.resources.get(id) !== 'AWS::CloudWatch::Alarm')) {
    problems.push(`${at}.Alarms: ${alarm} is not an AWS::CloudWatch::Alarm`);
  }
  for (const hook of ['PreTraffic', 'PostTraffic'].filter((h) => obj(preference.Hooks)[h] === undefined)) {
    problems.push(`${at}.Hooks.${hook}: an enabled DeploymentPreference needs both lifecycle hooks`);
  }
  const configs = refTargets(preference.Type);
  if (configs.length === 0) problems.push(`${at}.Type: must Ref the AWS::CodeDeploy::DeploymentConfig of this template`);
  for (const config of configs.filter((id) => symbols.resources.get(id) !== 'AWS::CodeDeploy::DeploymentConfig')) {
    problems.push(`${at}.Type: ${config} is not an AWS::CodeDeploy::DeploymentConfig`);
  }
  return problems;
}
