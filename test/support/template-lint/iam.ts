import { isObject, literals, obj, resourcesOf, type Node } from './nodes';

/** IAM least privilege: no Allow of every action, of everything not named, or on every resource. */

/**
 * Actions that support no resource-level permissions (the Service Authorization Reference lists no resource
 * type for them), so `Resource: '*'` is the only way to grant them. logs:PutResourcePolicy,
 * DescribeResourcePolicies and DescribeLogGroups are not among them: they take
 * `arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*`. cloudwatch:PutMetricData takes a
 * namespace condition (cloudwatch:namespace) instead: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html
 */
const RESOURCE_WILDCARD_ACTIONS = new Set([
  'logs:createlogdelivery', 'logs:getlogdelivery', 'logs:updatelogdelivery', 'logs:deletelogdelivery', 'logs:listlogdeliveries',
  'xray:puttracesegments', 'xray:puttelemetryrecords',
  'cloudwatch:getmetricdata', 'cloudwatch:putmetricdata',
]);

export function iamProblems(template: Node): string[] {
  return resourcesOf(template).flatMap(([id, resource]) =>
    policyStatements(resource.Properties, `Resources.${id}.Properties`).flatMap(([statement, at]) => statementProblems(statement, at)),
  );
}

/** Every policy statement in the resources: SAM Policies, IAM policy documents, bucket policies alike. */
function policyStatements(node: unknown, at: string): Array<[Node, string]> {
  if (Array.isArray(node)) return node.flatMap((item, i) => policyStatements(item, `${at}[${i}]`));
  return Object.entries(obj(node)).flatMap(([key, value]): Array<[Node, string]> => {
    if (key !== 'Statement') return policyStatements(value, `${at}.${key}`);
    const statements = Array.isArray(value) ? value.map((s, i): [unknown, string] => [s, `${at}.Statement[${i}]`]) : [[value, `${at}.Statement`] as [unknown, string]];
    return statements.filter(([s]) => isObject(s) && 'Effect' in s) as Array<[Node, string]>;
  });
}

function statementProblems(statement: Node, at: string): string[] {
  if (statement.Effect !== 'Allow') return []; // a Deny may be as broad as it likes
  const actions = literals(statement.Action);
  const problems = actions
    .filter((action) => action === '*' || /^[^:]+:\*$/.test(action))
    .map((action) => `${at}.Action: ${action} allows every action${action === '*' ? '' : ' of the service'}; name the actions needed`);
  for (const key of ['NotAction', 'NotResource'].filter((k) => k in statement)) {
    problems.push(`${at}.${key}: an Allow with ${key} grants everything it does not name`);
  }
  const scoped = actions.filter((action) => !RESOURCE_WILDCARD_ACTIONS.has(action.toLowerCase()));
  if (literals(statement.Resource).includes('*') && (scoped.length > 0 || actions.length === 0)) {
    problems.push(`${at}.Resource: '*' for ${scoped.join(', ') || 'actions that cannot be read'}, which support resource-level permissions; name the resources`);
  }
  return problems;
}
