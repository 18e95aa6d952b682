import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { yamlParse } from 'yaml-cfn';

/**
 * Reads CloudFormation/SAM templates and resolves the intrinsic functions this project uses, the way
 * CloudFormation would at deploy time, against local stand-ins for pseudo parameters and physical ids.
 */

export const ROOT = join(__dirname, '..', '..');
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Template = Record<string, any>;

export function readTemplate(relativePath: string): Template {
  return yamlParse(readFileSync(join(ROOT, relativePath), 'utf8'));
}

export interface ResolveContext {
  file: string;
  stackName: string;
  template: Template;
  parameters: Record<string, string>;
  /** What `Ref` of a resource gives locally. */
  refs: Record<string, string>;
  /** What `Fn::GetAtt` gives locally, keyed `LogicalId.Attribute`. */
  attributes: Record<string, string>;
  imports: Record<string, string>;
}

export function parameterValues(template: Template, overrides: Record<string, string> = {}): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries<Template>(template.Parameters ?? {})) {
    const value = overrides[name] ?? spec.Default;
    if (value === undefined) throw new Error(`Template parameter ${name} has no default; pass it as an override`);
    // CloudFormation refuses a value its AllowedPattern does not allow (Parameters, CloudFormation User Guide).
    if (spec.AllowedPattern && !new RegExp(spec.AllowedPattern).test(String(value))) {
      throw new Error(`Template parameter ${name}: ${String(value)} does not match its AllowedPattern ${spec.AllowedPattern}`);
    }
    values[name] = String(value);
  }
  return values;
}

function pseudo(ctx: ResolveContext, name: string): string | undefined {
  return {
    'AWS::Region': LOCAL_REGION,
    'AWS::AccountId': LOCAL_ACCOUNT,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': ctx.stackName,
  }[name];
}

function ref(ctx: ResolveContext, name: string): string {
  const value = pseudo(ctx, name) ?? ctx.parameters[name] ?? ctx.refs[name];
  if (value === undefined) throw new Error(`${ctx.file}: Ref to ${name}, which the local stage does not know`);
  return value;
}

function sub(ctx: ResolveContext, text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
    if (name in vars) return vars[name]!;
    if (name.includes('.') && !name.startsWith('AWS::')) return getAtt(ctx, name);
    return ref(ctx, name);
  });
}

function getAtt(ctx: ResolveContext, dotted: string): string {
  const value = ctx.attributes[dotted];
  if (value === undefined) throw new Error(`${ctx.file}: GetAtt ${dotted}, which the local stage does not know`);
  return value;
}

function condition(ctx: ResolveContext, name: string): boolean {
  const spec = ctx.template.Conditions?.[name];
  if (spec === undefined) throw new Error(`${ctx.file}: unknown condition ${name}`);
  return Boolean(resolve(ctx, spec));
}

/** Resolves every intrinsic function in `node`; unknown ones fail, naming themselves. */
export function resolve(ctx: ResolveContext, node: unknown): unknown {
  if (Array.isArray(node)) return node.map((item) => resolve(ctx, item));
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node);
  if (entries.length === 1) {
    const [key, arg] = entries[0]!;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const a = arg as any;
    switch (key) {
      case 'Ref':
        // AWS::NoValue removes the property it stands for, as CloudFormation does (in Fn::If, mostly).
        return a === 'AWS::NoValue' ? undefined : ref(ctx, a);
      case 'Fn::Sub':
        return Array.isArray(a)
          ? sub(ctx, a[0], resolve(ctx, a[1]) as Record<string, string>)
          : sub(ctx, a, {});
      case 'Fn::GetAtt':
        return getAtt(ctx, Array.isArray(a) ? a.join('.') : a);
      case 'Fn::ImportValue': {
        const name = resolve(ctx, a) as string;
        const value = ctx.imports[name];
        if (value === undefined) throw new Error(`${ctx.file}: no stack exports ${name}`);
        return value;
      }
      case 'Fn::If':
        return resolve(ctx, condition(ctx, a[0]) ? a[1] : a[2]);
      case 'Fn::Equals':
        return resolve(ctx, a[0]) === resolve(ctx, a[1]);
      case 'Fn::Not':
        return !resolve(ctx, a[0]);
      case 'Fn::Join':
        return (resolve(ctx, a[1]) as string[]).join(a[0]);
      case 'Condition':
        return condition(ctx, a);
      case 'Fn::Transform':
        return include(ctx, a);
      default:
        if (key.startsWith('Fn::')) throw new Error(`${ctx.file}: ${key} is not supported by the local stage`);
    }
  }
  return Object.fromEntries(entries.map(([key, value]) => [key, resolve(ctx, value)]).filter(([, value]) => value !== undefined));
}

function include(ctx: ResolveContext, transform: { Name: string; Parameters: { Location: string } }): unknown {
  if (transform.Name !== 'AWS::Include') throw new Error(`${ctx.file}: transform ${transform.Name} is not supported`);
  const location = join(dirname(join(ROOT, ctx.file)), transform.Parameters.Location);
  return resolve(ctx, yamlParse(readFileSync(location, 'utf8')));
}
