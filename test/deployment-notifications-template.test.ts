import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parameterValues, readTemplate, resolve, ROOT, type Template } from '../local/template/cloudformation';
import { loadStage } from '../local/template/stage';

/**
 * Deployment notifications in template.yaml: a topic given as a stack parameter, and when it is given, a trigger
 * on every gradually deployed function's deployment group and the right for CodeDeploy's role to publish to that
 * topic alone; none of it when it is not. Read from the template, and from the real SAM transform's output.
 */
const template = readTemplate('template.yaml');
const PARAMETER = 'DeploymentNotificationTopicArn';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:company-deployments';
const EVENTS = ['DeploymentStart', 'DeploymentSuccess', 'DeploymentFailure', 'DeploymentStop', 'DeploymentRollback'];

/** The functions CodeDeploy ships, as the template says: a DeploymentPreference not switched off. */
const gradual = (t: Template) =>
  Object.entries<Template>(t.Resources).filter(([, r]) => r.Type === 'AWS::Serverless::Function' && r.Properties.DeploymentPreference && r.Properties.DeploymentPreference.Enabled !== false);

/** `node` resolved as CloudFormation would for these parameter values. */
const resolvedWith = (t: Template, overrides: Record<string, string>, node: unknown) =>
  resolve({ file: 'template.yaml', stackName: 'stack', template: t, parameters: parameterValues(t, overrides), refs: {}, attributes: {}, imports: {} }, node);

const EXPECTED_TRIGGERS = {
  'Fn::If': [
    'NotifyDeployments',
    [{ TriggerName: 'deployment-notifications', TriggerTargetArn: { Ref: PARAMETER }, TriggerEvents: EVENTS }],
    { Ref: 'AWS::NoValue' },
  ],
};

it('takes the topic as an optional parameter: an SNS standard topic ARN in any partition, or empty for none', () => {
  const parameter = template.Parameters[PARAMETER];
  expect(parameter).toMatchObject({ Type: 'String', Default: '' });
  const allowed = new RegExp(parameter.AllowedPattern);
  for (const arn of ['', TOPIC, 'arn:aws-cn:sns:cn-north-1:123456789012:a_b-C', 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:x']) expect(arn).toMatch(allowed);
  for (const arn of [`${TOPIC}.fifo`, 'arn:aws:sqs:eu-west-1:123456789012:q', 'arn:aws:sns:eu-west-1:12345:t', `${TOPIC}:sub`, '*', ' ']) expect(arn).not.toMatch(allowed);
  // The local stage refuses what CloudFormation would.
  expect(() => loadStage({ parameterOverrides: { [PARAMETER]: `${TOPIC}.fifo` } })).toThrow(/DeploymentNotificationTopicArn: .* does not match its AllowedPattern/);
  expect(resolvedWith(template, {}, { Condition: 'NotifyDeployments' })).toBe(false);
  expect(resolvedWith(template, { [PARAMETER]: TOPIC }, { Condition: 'NotifyDeployments' })).toBe(true);
});

it('gives every gradually deployed function a trigger for start, success, failure, stop and rollback, only when the topic is given', () => {
  expect(gradual(template).length).toBeGreaterThan(0);
  for (const [, fn] of gradual(template)) expect(fn.Properties.DeploymentPreference.TriggerConfigurations).toEqual(EXPECTED_TRIGGERS);
  const notifying = loadStage({ parameterOverrides: { [PARAMETER]: TOPIC } });
  const silent = loadStage();
  for (const [logicalId] of gradual(template)) {
    expect(notifying.deploymentOf(logicalId, '2')!.triggers).toEqual([{ name: 'deployment-notifications', topicArn: TOPIC, events: EVENTS }]);
    expect(silent.deploymentOf(logicalId, '2')!.triggers).toEqual([]);
  }
});

/** Every policy statement that grants an SNS action, wherever in the resources it is. */
function snsStatements(node: unknown, owner = ''): Array<{ owner: string; statement: Template }> {
  if (Array.isArray(node)) return node.flatMap((item) => snsStatements(item, owner));
  if (node === null || typeof node !== 'object') return [];
  const found = 'Effect' in node && [(node as Template).Action].flat().some((a) => String(a).startsWith('sns:')) ? [{ owner, statement: node as Template }] : [];
  return [...found, ...Object.values(node).flatMap((value) => snsStatements(value, owner))];
}

it("lets CodeDeploy's service role publish to the given topic alone, and only when it is given", () => {
  const grants = Object.entries<Template>(template.Resources).flatMap(([id, r]) => snsStatements(r, id));
  expect(grants).toEqual([{ owner: 'DeploymentNotificationPublish', statement: { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: PARAMETER } } }]);
  expect(template.Resources.DeploymentNotificationPublish).toMatchObject({
    Type: 'AWS::IAM::RolePolicy',
    Condition: 'NotifyDeployments',
    Properties: { RoleName: { Ref: 'CodeDeployServiceRole' } },
  });
});

const withSam = spawnSync('python3', ['-c', 'import samtranslator'], { stdio: 'ignore' }).status === 0;
const samSkipped = withSam ? '' : ' (SKIPPED: python3 with samtranslator not found; pip install aws-sam-translator)';

(withSam ? it : it.skip)(`the real SAM transform puts the trigger on every deployment group, and the policy on the role it generates${samSkipped}`, () => {
  const transformed = spawnSync('python3', [join(ROOT, 'test', 'support', 'sam-translate.py'), 'template.yaml'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, AWS_DEFAULT_REGION: 'us-east-1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(transformed.status).toBe(0);
  const output = JSON.parse(transformed.stdout) as Template;
  const groups = Object.entries<Template>(output.Resources).filter(([, r]) => r.Type === 'AWS::CodeDeploy::DeploymentGroup');
  expect(groups.map(([id]) => id).sort()).toEqual(gradual(template).map(([id]) => `${id}DeploymentGroup`).sort());
  for (const [, group] of groups) {
    expect(group.Properties.ServiceRoleArn).toEqual({ 'Fn::GetAtt': ['CodeDeployServiceRole', 'Arn'] });
    expect(resolvedWith(output, { [PARAMETER]: TOPIC }, group.Properties.TriggerConfigurations)).toEqual([
      { TriggerName: 'deployment-notifications', TriggerTargetArn: TOPIC, TriggerEvents: EVENTS },
    ]);
    expect(resolvedWith(output, {}, group.Properties.TriggerConfigurations)).toBeUndefined();
  }
  expect(output.Resources.CodeDeployServiceRole.Type).toBe('AWS::IAM::Role');
  expect(output.Resources.DeploymentNotificationPublish.Properties.RoleName).toEqual({ Ref: 'CodeDeployServiceRole' });
}, 60_000);
