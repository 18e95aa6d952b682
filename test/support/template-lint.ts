import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
// The types of the database that @aws-cdk/aws-service-spec returns: its public API is declared with them.
import type { Property, PropertyType, Resource, SpecDatabase } from '@aws-cdk/service-spec-types';
import { load as loadPlainYaml, YAMLException } from 'js-yaml';
import { yamlParse } from 'yaml-cfn';
import { ROOT } from '../../local/template/cloudformation';

/**
 * Offline checks of the CloudFormation/SAM templates and the files they pull in: property names against the
 * AWS resource specification, references, CodeDeploy hooks, IAM least privilege and hard-coded accounts or
 * regions. Each problem is one line, `file: path: what is wrong`, so a failing test says what to fix.
 */

/** Repository-relative POSIX path → file text. */
export type ProjectFiles = Record<string, string>;

type Node = Record<string, unknown>;

/** The files deployed as stacks; everything else is pulled in by them or scanned for literals only. */
const TEMPLATE = /^(template\.yaml|iaac\/[^/]+\.yaml)$/;

const PROJECT_FILES: Array<[dir: string, name: RegExp]> = [
  ['.', /^template\.yaml$/],
  ['iaac', /\.yaml$/],
  ['open-api', /\.yaml$/],
  ['statemachine', /\.(json|ya?ml)$/],
];

export function readProjectFiles(root = ROOT): ProjectFiles {
  const files: ProjectFiles = {};
  for (const [dir, name] of PROJECT_FILES) {
    if (!existsSync(join(root, dir))) continue;
    for (const file of readdirSync(join(root, dir)).filter((f) => name.test(f))) {
      files[posix.join(dir, file)] = readFileSync(join(root, dir, file), 'utf8');
    }
  }
  return files;
}

export function lintTemplates(files: ProjectFiles): string[] {
  const docs = new Map<string, unknown>();
  const problems: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    try {
      docs.set(file, file.endsWith('.json') ? JSON.parse(text) : yamlParse(text));
    } catch (error) {
      problems.push(`${file}: does not parse: ${(error as Error).message}`);
    }
  }
  const templates = [...docs].filter(([file]) => TEMPLATE.test(file)).map(([file, doc]) => ({ file, template: obj(doc) }));
  const exports = new Map(templates.map(({ file, template }) => [file, exportNames(template)]));
  for (const { file, template } of templates) {
    const imports = new Set([...exports].filter(([other]) => other !== file).flatMap(([, names]) => [...names]));
    problems.push(...lintTemplate({ file, template, files, docs, symbols: symbolsOf(template, imports) }));
  }
  for (const [file, doc] of docs) problems.push(...literalProblems(file, doc));
  // Functions that share hooks would report the same hook problem once each.
  return [...new Set(problems)];
}

interface Symbols {
  parameters: Set<string>;
  conditions: Set<string>;
  /** Logical id → type, including the ids SAM generates that a template may reference. */
  resources: Map<string, string>;
  /** Export names of the other stacks, less their `${AWS::StackName}` prefix. */
  exports: Set<string>;
}

interface Context {
  file: string;
  template: Node;
  files: ProjectFiles;
  docs: Map<string, unknown>;
  symbols: Symbols;
}

function lintTemplate(ctx: Context): string[] {
  return [
    ...resourceProblems(ctx).map((p) => `${ctx.file}: ${p}`),
    ...globalsProblems(ctx.template).map((p) => `${ctx.file}: ${p}`),
    ...referenceProblems(ctx),
    ...deploymentProblems(ctx).map((p) => `${ctx.file}: ${p}`),
    ...iamProblems(ctx.template).map((p) => `${ctx.file}: ${p}`),
    ...stateMachineProblems(ctx),
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers over parsed YAML/JSON

function isObject(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value as an object, or an empty one, so optional sections read without guards. */
function obj(value: unknown): Node {
  return isObject(value) ? value : {};
}

/** `{ Ref: … }`, `{ Condition: name }` and `{ Fn::…: … }`, the long forms yaml-cfn turns short tags into. */
function intrinsic(value: unknown): { name: string; arg: unknown } | undefined {
  if (!isObject(value)) return undefined;
  const entries = Object.entries(value);
  if (entries.length !== 1) return undefined;
  const [name, arg] = entries[0]!;
  const isCall = name === 'Ref' || name.startsWith('Fn::') || (name === 'Condition' && typeof arg === 'string');
  return isCall ? { name, arg } : undefined;
}

/** Refs in a value, through Fn::If branches and lists: where a property may point at several resources. */
function refTargets(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refTargets);
  const fn = intrinsic(value);
  if (fn?.name === 'Ref' && typeof fn.arg === 'string') return [fn.arg];
  if (fn?.name === 'Fn::If' && Array.isArray(fn.arg)) return fn.arg.slice(1).flatMap(refTargets);
  return [];
}

/** Literal strings of a value, through lists and both Fn::If branches. */
function literals(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(literals);
  const fn = intrinsic(value);
  return fn?.name === 'Fn::If' && Array.isArray(fn.arg) ? fn.arg.slice(1).flatMap(literals) : [];
}

/** The text of a literal string or of a Fn::Sub template, e.g. to read a FunctionName's prefix. */
function subText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const fn = intrinsic(value);
  if (fn?.name !== 'Fn::Sub') return undefined;
  const text = Array.isArray(fn.arg) ? fn.arg[0] : fn.arg;
  return typeof text === 'string' ? text : undefined;
}

/** `${Name}` variables of a Sub template; `${!Name}` is a literal `${Name}`. */
function subVariables(text: string): string[] {
  return [...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]!).filter((name) => !name.startsWith('!'));
}

function resourcesOf(template: Node, type?: string): Array<[string, Node]> {
  return Object.entries(obj(template.Resources))
    .map(([id, resource]): [string, Node] => [id, obj(resource)])
    .filter(([, resource]) => type === undefined || resource.Type === type);
}

/** ` ; did you mean X?` for a near miss, else the names known: the message carries the fix. */
function hint(name: string, known: string[]): string {
  const near = known
    .map((candidate) => ({ candidate, distance: editDistance(candidate.toLowerCase(), name.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance)[0];
  return near && near.distance <= 2 ? `; did you mean ${near.candidate}?` : `; known: ${known.join(', ')}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

// ---------------------------------------------------------------------------------------------------------
// The resource specification

let database: SpecDatabase | undefined;
const resourceCache = new Map<string, Resource | undefined>();

/** The spec's database, loaded once, on first use: it takes about half a second. */
function spec(): SpecDatabase {
  return (database ??= loadAwsServiceSpecSync());
}

/** The spec's resource for a CloudFormation or SAM type (both are in the database). */
function specResource(type: string): Resource | undefined {
  if (!resourceCache.has(type)) resourceCache.set(type, spec().lookup('resource', 'cloudFormationType', 'equals', type)[0]);
  return resourceCache.get(type);
}

/**
 * SAM hands these properties unchanged to the resource it generates, while its own spec lags behind
 * (LoggingConfig is missing) or types them only as JSON (MethodSettings); the generated type describes them.
 */
const SAM_PASSTHROUGH: Record<string, { to: string; properties: string[] }> = {
  'AWS::Serverless::Function': { to: 'AWS::Lambda::Function', properties: ['LoggingConfig'] },
  'AWS::Serverless::Api': { to: 'AWS::ApiGateway::Stage', properties: ['MethodSettings'] },
};

/** The resource SAM generates under the same logical id: Fn::GetAtt of a SAM resource reads its attributes. */
const SAM_GENERATES: Record<string, string> = {
  'AWS::Serverless::Function': 'AWS::Lambda::Function',
  'AWS::Serverless::Api': 'AWS::ApiGateway::RestApi',
  'AWS::Serverless::StateMachine': 'AWS::StepFunctions::StateMachine',
};

function knownProperties(type: string): Record<string, Property> | undefined {
  const resource = specResource(type);
  const passthrough = SAM_PASSTHROUGH[type];
  if (!resource || !passthrough) return resource?.properties;
  const target = specResource(passthrough.to)!.properties;
  return { ...resource.properties, ...Object.fromEntries(passthrough.properties.map((name) => [name, target[name]!])) };
}

// ---------------------------------------------------------------------------------------------------------
// Resource types, attributes and property names

const RESOURCE_ATTRIBUTES = [
  'Type', 'Properties', 'DependsOn', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'UpdatePolicy', 'Metadata', 'CreationPolicy',
];

function resourceProblems(ctx: Context): string[] {
  const transforms = [ctx.template.Transform].flat();
  return resourcesOf(ctx.template).flatMap(([id, resource]) => {
    const at = `Resources.${id}`;
    const problems = Object.keys(resource)
      .filter((key) => !RESOURCE_ATTRIBUTES.includes(key))
      .map((key) => `${at}.${key}: not a resource attribute${hint(key, RESOURCE_ATTRIBUTES)}`);
    const type = String(resource.Type);
    const transform = specResource(type)?.cloudFormationTransform;
    if (!specResource(type)) return [...problems, `${at}.Type: ${type} is not a resource type the AWS resource specification knows`];
    if (transform && !transforms.includes(transform)) problems.push(`${at}.Type: ${type} needs Transform: ${transform} in the template`);
    return [...problems, ...objectProblems(obj(resource.Properties), knownProperties(type)!, type, type, `${at}.Properties`)];
  });
}

/** SAM's Globals sections hold properties of the SAM type they are named after. */
function globalsProblems(template: Node): string[] {
  return Object.entries(obj(template.Globals)).flatMap(([section, value]) => {
    const type = `AWS::Serverless::${section}`;
    const known = knownProperties(type);
    if (!known) return [`Globals.${section}: ${type} is not a SAM resource type`];
    return objectProblems(obj(value), known, `${type} (in Globals)`, type, `Globals.${section}`);
  });
}

function objectProblems(value: Node, known: Record<string, Property>, owner: string, type: string, at: string): string[] {
  return Object.entries(value).flatMap(([name, item]) => {
    const property = known[name];
    if (!property) return [`${at}.${name}: ${owner} has no property ${name}${hint(name, Object.keys(known))}`];
    return valueProblems(item, [property.type, ...(property.previousTypes ?? [])], type, `${at}.${name}`);
  });
}

/**
 * Problems of a value against any of the types the spec allows for it (current and previous ones, union
 * members): none if one type fits without problems, else those of the closest fit. Intrinsics other than
 * Fn::If stand for values known only at deploy time, so only Fn::If's branches are looked into.
 */
function valueProblems(value: unknown, types: PropertyType[], type: string, at: string): string[] {
  const fn = intrinsic(value);
  if (fn) {
    if (fn.name !== 'Fn::If' || !Array.isArray(fn.arg)) return [];
    return fn.arg.slice(1).flatMap((branch, i) => valueProblems(branch, types, type, `${at}.Fn::If[${i + 1}]`));
  }
  const outcomes = alternatives(types)
    .filter((t) => (t.type === 'array' ? Array.isArray(value) : ['ref', 'map', 'json'].includes(t.type) && isObject(value)))
    .map((t) => typeProblems(value, t, type, at));
  if (outcomes.length === 0 || outcomes.some((problems) => problems.length === 0)) return [];
  return outcomes.reduce((best, problems) => (problems.length < best.length ? problems : best));
}

function alternatives(types: PropertyType[]): PropertyType[] {
  return types.flatMap((t) => (t.type === 'union' ? alternatives(t.types) : [t]));
}

function typeProblems(value: unknown, t: PropertyType, type: string, at: string): string[] {
  switch (t.type) {
    case 'ref': {
      const definition = spec().get('typeDefinition', t.reference);
      return objectProblems(obj(value), definition.properties, `${type} ${definition.name}`, type, at);
    }
    case 'array':
      return (value as unknown[]).flatMap((item, i) => valueProblems(item, [t.element], type, `${at}[${i}]`));
    case 'map':
      return Object.entries(obj(value)).flatMap(([key, item]) => valueProblems(item, [t.element], type, `${at}.${key}`));
    default:
      return []; // JSON: anything goes
  }
}

// ---------------------------------------------------------------------------------------------------------
// References: Ref, Fn::GetAtt, Fn::Sub, Fn::ImportValue, conditions, DependsOn, AWS::Include

const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix',
]);

function exportNames(template: Node): Set<string> {
  const names = Object.values(obj(template.Outputs)).map((output) => subText(obj(obj(output).Export).Name));
  return new Set(names.filter((name) => name !== undefined).map((name) => name.replace(/^\$\{AWS::StackName\}/, '')));
}

function symbolsOf(template: Node, exports: Set<string>): Symbols {
  const resources = new Map(resourcesOf(template).map(([id, resource]): [string, string] => [id, String(resource.Type)]));
  return {
    parameters: new Set(Object.keys(obj(template.Parameters))),
    conditions: new Set(Object.keys(obj(template.Conditions))),
    resources: new Map([...resources, ...samGeneratedIds(template)]),
    exports,
  };
}

/** A SAM function's properties with Globals.Function merged in the way SAM does: maps key by key. */
function samFunctions(template: Node): Array<[string, Node]> {
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

function deploymentEnabled(preference: unknown): boolean {
  return isObject(preference) && preference.Enabled !== false;
}

/** Logical ids SAM adds when it transforms the template, which the template may Ref or GetAtt. */
function samGeneratedIds(template: Node): Map<string, string> {
  const ids = new Map<string, string>();
  const functions = samFunctions(template);
  for (const [id, properties] of functions) {
    if (typeof properties.AutoPublishAlias !== 'string') continue;
    ids.set(`${id}Alias${properties.AutoPublishAlias.replace(/[^A-Za-z0-9]/g, '')}`, 'AWS::Lambda::Alias');
    ids.set(`${id}.Alias`, 'AWS::Lambda::Alias');
    ids.set(`${id}.Version`, 'AWS::Lambda::Version');
  }
  if (functions.some(([, properties]) => deploymentEnabled(properties.DeploymentPreference))) {
    ids.set('ServerlessDeploymentApplication', 'AWS::CodeDeploy::Application');
  }
  return ids;
}

function referenceProblems(ctx: Context): string[] {
  const problems: string[] = [];
  walkReferences(ctx.template, '', ctx.file, ctx, problems);
  for (const section of ['Resources', 'Outputs']) {
    for (const [id, entry] of Object.entries(obj(ctx.template[section]))) {
      const condition = obj(entry).Condition;
      if (typeof condition === 'string' && !ctx.symbols.conditions.has(condition)) {
        problems.push(`${ctx.file}: ${section}.${id}.Condition: ${condition} is not in Conditions`);
      }
    }
  }
  for (const [id, resource] of resourcesOf(ctx.template)) {
    for (const target of literals(resource.DependsOn).filter((t) => !ctx.symbols.resources.has(t))) {
      problems.push(`${ctx.file}: Resources.${id}.DependsOn: ${target} is not a resource`);
    }
  }
  return problems;
}

function walkReferences(node: unknown, at: string, file: string, ctx: Context, problems: string[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => walkReferences(item, `${at}[${i}]`, file, ctx, problems));
    return;
  }
  const fn = intrinsic(node);
  if (fn) {
    checkIntrinsic(fn.name, fn.arg, at ? `${at}.${fn.name}` : fn.name, file, ctx, problems);
    return;
  }
  for (const [key, value] of Object.entries(obj(node))) walkReferences(value, at ? `${at}.${key}` : key, file, ctx, problems);
}

function checkIntrinsic(name: string, arg: unknown, at: string, file: string, ctx: Context, problems: string[]): void {
  const report = (message: string | undefined) => {
    if (message) problems.push(`${file}: ${at}: ${message}`);
  };
  const args = [arg].flat();
  switch (name) {
    case 'Ref':
      report(refProblem(String(arg), ctx.symbols));
      return;
    case 'Fn::GetAtt': {
      const [id, ...attribute] = typeof arg === 'string' ? arg.split('.') : args.map(String);
      report(getAttProblem(id!, attribute.join('.'), ctx.symbols));
      return;
    }
    case 'Fn::Sub':
      for (const variable of subVariables(String(args[0])).filter((v) => !(v in obj(args[1])))) {
        const [id, ...attribute] = variable.split('.');
        report(attribute.length > 0 ? getAttProblem(id!, attribute.join('.'), ctx.symbols) : refProblem(variable, ctx.symbols));
      }
      walkReferences(args[1], `${at}[1]`, file, ctx, problems);
      return;
    case 'Fn::If':
    case 'Condition':
      if (!ctx.symbols.conditions.has(String(args[0]))) report(`condition ${String(args[0])} is not in Conditions of ${ctx.file}`);
      args.slice(1).forEach((branch, i) => walkReferences(branch, `${at}[${i + 1}]`, file, ctx, problems));
      return;
    case 'Fn::ImportValue':
      report(importProblem(arg, ctx.symbols));
      walkReferences(arg, at, file, ctx, problems);
      return;
    case 'Fn::Transform':
      includeProblems(obj(arg), at, file, ctx, problems);
      return;
    default:
      walkReferences(arg, at, file, ctx, problems);
  }
}

function refProblem(name: string, symbols: Symbols): string | undefined {
  if (PSEUDO_PARAMETERS.has(name) || symbols.parameters.has(name) || symbols.resources.has(name)) return undefined;
  return `${name} names no parameter, pseudo parameter or resource`;
}

function getAttProblem(id: string, attribute: string, symbols: Symbols): string | undefined {
  // `Fn.Version.Version` reads the Version resource SAM generates for Fn; `${Fn.Version}` refers to it.
  const [head, ...rest] = attribute.split('.');
  if (symbols.resources.has(`${id}.${head}`)) return rest.length ? attributeProblem(`${id}.${head}`, rest.join('.'), symbols) : undefined;
  return attributeProblem(id, attribute, symbols);
}

function attributeProblem(id: string, attribute: string, symbols: Symbols): string | undefined {
  const type = symbols.resources.get(id);
  if (!type) return `GetAtt ${id}.${attribute}: ${id} is not a resource`;
  const specType = SAM_GENERATES[type] ?? type;
  const known = Object.keys(specResource(specType)?.attributes ?? {});
  // A type without attributes in the spec is one the spec cannot vouch for, not one without attributes.
  if (known.length === 0 || known.includes(attribute)) return undefined;
  return `GetAtt ${id}.${attribute}: ${specType} has no attribute ${attribute}${hint(attribute, known)}`;
}

/** Imports name another stack's export as `${StackNameParameter}-Suffix`; the suffix must be exported. */
function importProblem(arg: unknown, symbols: Symbols): string | undefined {
  const name = subText(arg);
  if (name === undefined) return 'ImportValue takes a string or a Fn::Sub string here, so that it can be checked';
  const suffix = name.replace(/^\$\{[^}]+\}/, '');
  if (symbols.exports.has(suffix)) return undefined;
  return `imports ${name}, but no other template exports \${AWS::StackName}${suffix}${hint(suffix, [...symbols.exports])}`;
}

/** An AWS::Include'd file is part of the template: its references are checked against the including one. */
function includeProblems(transform: Node, at: string, file: string, ctx: Context, problems: string[]): void {
  const location = obj(transform.Parameters).Location;
  if (transform.Name !== 'AWS::Include' || typeof location !== 'string') return;
  const path = posix.join(posix.dirname(file), location);
  if (ctx.files[path] === undefined) {
    problems.push(`${file}: ${at}: AWS::Include location ${path} does not exist`);
    return;
  }
  problems.push(...shortFormProblems(path, ctx.files[path]));
  walkReferences(ctx.docs.get(path), '', path, ctx, problems);
}

/**
 * AWS::Include takes only long-form intrinsics (Fn::Sub:, not !Sub). A YAML parser that knows no
 * CloudFormation tags rejects exactly the short forms, and unlike a text search is not fooled by comments.
 */
function shortFormProblems(path: string, text: string): string[] {
  try {
    loadPlainYaml(text);
    return [];
  } catch (error) {
    if (!(error instanceof YAMLException) || !error.reason.startsWith('unknown tag')) return [];
    const line = (error as YAMLException & { mark?: { line: number } }).mark?.line ?? 0;
    return [`${path}:${line + 1}: ${error.reason}: AWS::Include'd files take only long-form intrinsics (Fn::Sub:, Ref:, Fn::If:)`];
  }
}

// ---------------------------------------------------------------------------------------------------------
// CodeDeploy: gradual deployments and their lifecycle hooks

const HOOK_PREFIX = 'CodeDeployHook_';

function deploymentProblems(ctx: Context): string[] {
  const functions = samFunctions(ctx.template);
  const byId = new Map(functions);
  return functions.flatMap(([id, properties]) => {
    const at = `Resources.${id}.Properties.DeploymentPreference`;
    const preference = obj(properties.DeploymentPreference);
    return [
      ...hookProblems(obj(preference.Hooks), byId, `${at}.Hooks`),
      ...(deploymentEnabled(properties.DeploymentPreference) ? enabledDeploymentProblems(properties, ctx.symbols, at) : []),
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

// ---------------------------------------------------------------------------------------------------------
// IAM least privilege

/** Actions that support no resource-level permissions, so `Resource: '*'` is the only way to grant them. */
const RESOURCE_WILDCARD_ACTIONS = new Set([
  'logs:createlogdelivery', 'logs:getlogdelivery', 'logs:updatelogdelivery', 'logs:deletelogdelivery', 'logs:listlogdeliveries',
  'logs:putresourcepolicy', 'logs:describeresourcepolicies', 'logs:describeloggroups',
  'xray:puttracesegments', 'xray:puttelemetryrecords',
]);

/** Every policy statement in the resources: SAM Policies, IAM policy documents, bucket policies alike. */
function policyStatements(node: unknown, at: string): Array<[Node, string]> {
  if (Array.isArray(node)) return node.flatMap((item, i) => policyStatements(item, `${at}[${i}]`));
  return Object.entries(obj(node)).flatMap(([key, value]): Array<[Node, string]> => {
    if (key !== 'Statement') return policyStatements(value, `${at}.${key}`);
    const statements = Array.isArray(value) ? value.map((s, i): [unknown, string] => [s, `${at}.Statement[${i}]`]) : [[value, `${at}.Statement`] as [unknown, string]];
    return statements.filter(([s]) => isObject(s) && 'Effect' in s) as Array<[Node, string]>;
  });
}

function iamProblems(template: Node): string[] {
  return resourcesOf(template).flatMap(([id, resource]) =>
    policyStatements(resource.Properties, `Resources.${id}.Properties`).flatMap(([statement, at]) => statementProblems(statement, at)),
  );
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

// ---------------------------------------------------------------------------------------------------------
// State machine definitions and their substitutions

function stateMachineProblems(ctx: Context): string[] {
  return resourcesOf(ctx.template, 'AWS::Serverless::StateMachine').flatMap(([id, resource]) => {
    const properties = obj(resource.Properties);
    if (typeof properties.DefinitionUri !== 'string') return [];
    const at = `${ctx.file}: Resources.${id}.Properties`;
    const path = posix.join(posix.dirname(ctx.file), properties.DefinitionUri);
    const text = ctx.files[path];
    if (text === undefined) return [`${at}.DefinitionUri: ${path} does not exist`];
    const used = new Set(subVariables(text));
    const given = Object.keys(obj(properties.DefinitionSubstitutions));
    return [
      ...[...used].filter((name) => !given.includes(name)).map((name) => `${path}: \${${name}} has no key in ${id}'s DefinitionSubstitutions${hint(name, given)}`),
      ...given.filter((name) => !used.has(name)).map((name) => `${at}.DefinitionSubstitutions.${name}: ${path} never uses \${${name}}`),
    ];
  });
}

// ---------------------------------------------------------------------------------------------------------
// Literal account ids and regions

const ACCOUNT_ID = /(?<!\d)\d{12}(?!\d)/;
const REGION = /\b[a-z]{2}(?:-gov|-iso[a-z]?)?-(?:north|south|east|west|central)(?:east|west)?-\d+\b/;

/** Keys and scalars of the parsed file: all of its text but the comments. */
function scalars(node: unknown, at: string): Array<[string, string]> {
  if (Array.isArray(node)) return node.flatMap((item, i) => scalars(item, `${at}[${i}]`));
  if (isObject(node)) {
    return Object.entries(node).flatMap(([key, value]) => {
      const path = at ? `${at}.${key}` : key;
      return [[key, path] as [string, string], ...scalars(value, path)];
    });
  }
  return typeof node === 'string' || typeof node === 'number' ? [[String(node), at]] : [];
}

function literalProblems(file: string, doc: unknown): string[] {
  return scalars(doc, '').flatMap(([text, at]) => [
    ...(ACCOUNT_ID.exec(text) ?? []).map((id) => `${file}: ${at}: literal account id ${id}; use \${AWS::AccountId}`),
    ...(REGION.exec(text) ?? []).map((region) => `${file}: ${at}: literal region ${region}; use \${AWS::Region}`),
  ]);
}
