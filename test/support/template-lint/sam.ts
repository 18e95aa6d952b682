import { intrinsic, isObject, obj, resourcesOf, type Node } from './nodes';

/** How SAM reads its functions: Globals merged in, and the ids it generates for them. */

/** A SAM function's properties with Globals.Function merged in the way SAM does: maps key by key. */
export function samFunctions(template: Node): Array<[string, Node]> {
  const globals = obj(obj(template.Globals).Function);
  return resourcesOf(template, 'AWS::Serverless::Function').map(([id, resource]) => {
    const own = obj(resource.Properties);
    const merged: Node = { ...globals, ...own };
    for (const key of Object.keys(own)) {
      if (isObject(globals[key]) && isObject(own[key]) && !intrinsic(own[key])) merged[key] = { ...globals[key], ...own[key] };
    }
    return [id, merged];
  });
}

export function deploymentEnabled(preference: unknown): boolean {
  return isObject(preference) && preference.Enabled !== false;
}

/** Logical ids SAM adds when it transforms the template, which the template may Ref or GetAtt. */
export function samGeneratedIds(template: Node): Map<string, string> {
  const ids = new Map<string, string>();
  const functions = samFunctions(template);
  for (const [id, properties] of functions) {
    // The execution role SAM makes for a function that names no Role of its own.
    if (properties.Role === undefined) ids.set(`${id}Role`, 'AWS::IAM::Role');
    if (typeof properties.AutoPublishAlias !== 'string') continue;
    ids.set(`${id}Alias${properties.AutoPublishAlias.replace(/[^A-Za-z0-9]/g, '')}`, 'AWS::Lambda::Alias');
    ids.set(`${id}.Alias`, 'AWS::Lambda::Alias');
    ids.set(`${id}.Version`, 'AWS::Lambda::Version');
  }
  for (const [id, properties] of functions.filter(([, p]) => deploymentEnabled(p.DeploymentPreference))) {
    ids.set(`${id}DeploymentGroup`, 'AWS::CodeDeploy::DeploymentGroup');
    ids.set('ServerlessDeploymentApplication', 'AWS::CodeDeploy::Application');
    // The service role SAM makes for the deployment groups whose preference names no Role of its own.
    if (obj(properties.DeploymentPreference).Role === undefined) ids.set('CodeDeployServiceRole', 'AWS::IAM::Role');
  }
  return ids;
}
