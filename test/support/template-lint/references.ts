import { load as loadPlainYaml, YAMLException } from 'js-yaml';
import { besideFile, type Context } from './context';
import { child, intrinsic, literals, obj, resourcesOf, subVariables, type Node } from './nodes';
import { getAttProblem, importProblem, refProblem } from './symbols';

/** References: Ref, Fn::GetAtt, Fn::Sub, Fn::ImportValue, conditions, DependsOn, AWS::Include. */

export function referenceProblems(ctx: Context): string[] {
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
    checkIntrinsic(fn.name, fn.arg, child(at, fn.name), file, ctx, problems);
    return;
  }
  for (const [key, value] of Object.entries(obj(node))) walkReferences(value, child(at, key), file, ctx, problems);
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

/** An AWS::Include'd file is part of the template: its references are checked against the including one. */
function includeProblems(transform: Node, at: string, file: string, ctx: Context, problems: string[]): void {
  const location = obj(transform.Parameters).Location;
  if (transform.Name !== 'AWS::Include' || typeof location !== 'string') return;
  const path = besideFile(file, location);
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
