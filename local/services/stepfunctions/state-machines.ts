import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_REGION, parameterValues, readTemplate, resolve, type ResolveContext, ROOT, type Template } from '../../template/cloudformation';
import { deployedStackName } from '../../template/samconfig';
import { APP_TEMPLATE, localApiId, stateMachineArn } from '../../template/stage';

/**
 * The template's state machines as the local Step Functions runs them: each ASL file with its
 * DefinitionSubstitutions applied, under the name and ARN CloudFormation would give it in the local stack.
 */

export interface LocalStateMachine {
  name: string;
  arn: string;
  type: 'STANDARD' | 'EXPRESS';
  definition: StateMachineDefinition;
}

/** What `apigateway:invoke` tasks must name to reach the local API: its execute-api host and its stage. */
export interface LocalApiTarget {
  host: string;
  stage: string;
}

/** Replaces every `${key}` the way Step Functions applies DefinitionSubstitutions; a key it lacks is a template error. */
function substitute(file: string, text: string, substitutions: Record<string, string>): string {
  return text.replace(/\$\{([^}]*)\}/g, (_, key: string) => {
    const value = substitutions[key];
    if (value === undefined) throw new Error(`${file}: \${${key}} is not one of the DefinitionSubstitutions (${Object.keys(substitutions).join(', ')})`);
    return value;
  });
}

export function loadStateMachines(): { machines: LocalStateMachine[]; api: LocalApiTarget } {
  const template = readTemplate(APP_TEMPLATE);
  const resources = Object.entries<Template>(template.Resources);
  const [apiLogicalId, api] = resources.find(([, r]) => r.Type === 'AWS::Serverless::Api')!;
  const ctx: ResolveContext = {
    file: APP_TEMPLATE,
    stackName: deployedStackName(),
    template,
    parameters: parameterValues(template),
    refs: { [apiLogicalId]: localApiId(apiLogicalId) },
    attributes: {},
    imports: {},
  };
  const machines = resources
    .filter(([, r]) => r.Type === 'AWS::Serverless::StateMachine')
    .map(([logicalId, resource]): LocalStateMachine => {
      const props = resource.Properties as Template;
      if (typeof props.DefinitionUri !== 'string') throw new Error(`${APP_TEMPLATE}: ${logicalId} needs a local DefinitionUri file`);
      const name = props.Name ? (resolve(ctx, props.Name) as string) : logicalId;
      const substitutions = resolve(ctx, props.DefinitionSubstitutions ?? {}) as Record<string, string>;
      const text = substitute(props.DefinitionUri, readFileSync(join(ROOT, props.DefinitionUri), 'utf8'), substitutions);
      return { name, arn: stateMachineArn(name), type: props.Type ?? 'STANDARD', definition: JSON.parse(text) };
    });
  return {
    machines,
    api: {
      host: `${localApiId(apiLogicalId)}.execute-api.${LOCAL_REGION}.amazonaws.com`,
      stage: resolve(ctx, api.Properties.StageName) as string,
    },
  };
}
