import { createHash } from 'node:crypto';
import { resolve, type ResolveContext, type Template } from './cloudformation';

/**
 * The resources of the stack as CloudFormation holds them after the SAM transform, with the logical ids and
 * types SAM generates (samtranslator, the transform `sam deploy` has CloudFormation run), each under the
 * physical id the local stage gives it: what Ref of it resolves to locally, which is the name the stage's own
 * services know it by. A resource the stage has no name for (an IAM role, a Lambda permission) is called
 * `local-<logical id>`, as the stage names the template's other resources. Lambda versions are left to whoever
 * knows which versions exist (the local CloudFormation), and SAM's Globals are merged in beforehand.
 */
export interface StackResourceSpec {
  logicalId: string;
  type: string;
  physicalId: string;
}

/** A function of the template with its Globals merged in. */
export interface ServerlessFunction {
  logicalId: string;
  props: Template;
}

/** SAM's LogicalIdGenerator: a prefix, then the first 10 hex digits of the SHA-1 of the data (samtranslator/translator/logical_id_generator.py). */
export const samLogicalId = (prefix: string, data: string) => `${prefix}${createHash('sha1').update(data).digest('hex').slice(0, 10)}`;

/** A resource of the stack under the name the local stage gives it. */
type Named = (logicalId: string, type: string) => StackResourceSpec;

const deploysGradually = (props: Template) => Boolean(props.DeploymentPreference) && String(props.DeploymentPreference.Enabled) !== 'false';

/** What SAM makes of a function: the function, its role, its AutoPublishAlias, its deployment group and its events' rules. */
function functionResources(ctx: ResolveContext, { logicalId, props }: ServerlessFunction, named: Named): StackResourceSpec[] {
  const events = Object.entries<Template>(props.Events ?? {}).map(([name, event]) => {
    if (event.Type !== 'EventBridgeRule') {
      throw new Error(`${ctx.file}: ${logicalId}: the local stage lists the resources of EventBridgeRule events only, not of ${event.Type}`);
    }
    return [named(`${logicalId}${name}`, 'AWS::Events::Rule'), named(`${logicalId}${name}Permission`, 'AWS::Lambda::Permission')];
  });
  return [
    named(logicalId, 'AWS::Lambda::Function'),
    ...(props.Role ? [] : [named(`${logicalId}Role`, 'AWS::IAM::Role')]),
    ...(props.AutoPublishAlias ? [named(`${logicalId}Alias${props.AutoPublishAlias}`, 'AWS::Lambda::Alias')] : []),
    ...(deploysGradually(props) ? [named(`${logicalId}DeploymentGroup`, 'AWS::CodeDeploy::DeploymentGroup')] : []),
    ...events.flat(),
  ];
}

/**
 * What SAM makes of an API: the RestApi, a deployment named after a hash of what it deploys (SAM hashes the
 * document as it rewrote it, so the local hash differs), and the stage, named with the stage's name only when
 * that is written out in letters and digits (samtranslator/model/api/api_generator.py, _construct_stage).
 */
function apiResources(ctx: ResolveContext, logicalId: string, props: Template, named: Named): StackResourceSpec[] {
  const stageName = props.StageName;
  const stageLogicalId =
    typeof stageName !== 'string'
      ? `${logicalId}Stage`
      : /^[A-Za-z0-9]+$/.test(stageName)
        ? `${logicalId}${stageName}Stage`
        : samLogicalId(`${logicalId}Stage`, stageName);
  return [
    named(logicalId, 'AWS::ApiGateway::RestApi'),
    named(samLogicalId(`${logicalId}Deployment`, JSON.stringify(resolve(ctx, props.DefinitionBody))), 'AWS::ApiGateway::Deployment'),
    // Ref of a stage gives its name.
    { logicalId: stageLogicalId, type: 'AWS::ApiGateway::Stage', physicalId: resolve(ctx, stageName) as string },
  ];
}

/** Every resource of the stack but the Lambda versions, in the template's order, each as SAM names it. */
export function stackResources(ctx: ResolveContext, functions: ServerlessFunction[]): StackResourceSpec[] {
  const named: Named = (logicalId, type) => ({ logicalId, type, physicalId: ctx.refs[logicalId] ?? `local-${logicalId}` });
  const gradual = functions.filter(({ props }) => deploysGradually(props));
  const resources = Object.entries<Template>(ctx.template.Resources)
    .filter(([, r]) => !r.Condition || resolve(ctx, { Condition: r.Condition }))
    .flatMap(([logicalId, r]): StackResourceSpec[] => {
      switch (r.Type) {
        case 'AWS::Serverless::Function':
          return functionResources(ctx, functions.find((fn) => fn.logicalId === logicalId)!, named);
        case 'AWS::Serverless::Api':
          return apiResources(ctx, logicalId, r.Properties, named);
        case 'AWS::Serverless::StateMachine':
          if (r.Properties.Events) throw new Error(`${ctx.file}: ${logicalId}: the local stage lists no resources for a state machine's Events`);
          return [named(logicalId, 'AWS::StepFunctions::StateMachine'), ...(r.Properties.Role ? [] : [named(`${logicalId}Role`, 'AWS::IAM::Role')])];
        default:
          if (r.Type.startsWith('AWS::Serverless::')) throw new Error(`${ctx.file}: ${logicalId}: the local stage does not know what SAM makes of ${r.Type}`);
          return [named(logicalId, r.Type)];
      }
    });
  // One application for every gradual deployment, and a service role unless each of them brings its own
  // (samtranslator/translator/translator.py and model/preferences/deployment_preference_collection.py).
  return [
    ...resources,
    ...(gradual.length > 0 ? [named('ServerlessDeploymentApplication', 'AWS::CodeDeploy::Application')] : []),
    ...(gradual.some(({ props }) => !props.DeploymentPreference.Role) ? [named('CodeDeployServiceRole', 'AWS::IAM::Role')] : []),
  ];
}
