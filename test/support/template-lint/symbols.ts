import { hint } from './hint';
import { obj, resourcesOf, subText, type Node } from './nodes';
import { samGeneratedIds } from './sam';
import { SAM_GENERATES, specResource } from './spec';

/** The names a template may reference, and whether a Ref, GetAtt or ImportValue finds what it names. */

export interface Symbols {
  parameters: Set<string>;
  conditions: Set<string>;
  /** Logical id → type, including the ids SAM generates that a template may reference. */
  resources: Map<string, string>;
  /** Export names of the other stacks, less their `${AWS::StackName}` prefix. */
  exports: Set<string>;
}

const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix',
]);

export function exportNames(template: Node): Set<string> {
  const names = Object.values(obj(template.Outputs)).map((output) => subText(obj(obj(output).Export).Name));
  return new Set(names.filter((name) => name !== undefined).map((name) => name.replace(/^\$\{AWS::StackName\}/, '')));
}

export function symbolsOf(template: Node, exports: Set<string>): Symbols {
  const resources = new Map(resourcesOf(template).map(([id, resource]): [string, string] => [id, String(resource.Type)]));
  return {
    parameters: new Set(Object.keys(obj(template.Parameters))),
    conditions: new Set(Object.keys(obj(template.Conditions))),
    resources: new Map([...resources, ...samGeneratedIds(template)]),
    exports,
  };
}

export function refProblem(name: string, symbols: Symbols): string | undefined {
  if (PSEUDO_PARAMETERS.has(name) || symbols.parameters.has(name) || symbols.resources.has(name)) return undefined;
  return `${name} names no parameter, pseudo parameter or resource`;
}

export function getAttProblem(id: string, attribute: string, symbols: Symbols): string | undefined {
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
export function importProblem(arg: unknown, symbols: Symbols): string | undefined {
  const name = subText(arg);
  if (name === undefined) return 'ImportValue takes a string or a Fn::Sub string here, so that it can be checked';
  const suffix = name.replace(/^\$\{[^}]+\}/, '');
  if (symbols.exports.has(suffix)) return undefined;
  return `imports ${name}, but no other template exports \${AWS::StackName}${suffix}${hint(suffix, [...symbols.exports])}`;
}
