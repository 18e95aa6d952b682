/** Small helpers over parsed YAML/JSON. */

export type Node = Record<string, unknown>;

export function isObject(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value as an object, or an empty one, so optional sections read without guards. */
export function obj(value: unknown): Node {
  return isObject(value) ? value : {};
}

/** The path of `key` under `at`, where an empty `at` is the document's root. */
export function child(at: string, key: string): string {
  return at ? `${at}.${key}` : key;
}

/** `{ Ref: … }`, `{ Condition: name }` and `{ Fn::…: … }`, the long forms yaml-cfn turns short tags into. */
export function intrinsic(value: unknown): { name: string; arg: unknown } | undefined {
  if (!isObject(value)) return undefined;
  const entries = Object.entries(value);
  if (entries.length !== 1) return undefined;
  const [name, arg] = entries[0]!;
  const isCall = name === 'Ref' || name.startsWith('Fn::') || (name === 'Condition' && typeof arg === 'string');
  return isCall ? { name, arg } : undefined;
}

/** The two branches of a Fn::If (its arguments after the condition), or undefined for any other value. */
export function ifBranches(value: unknown): unknown[] | undefined {
  const fn = intrinsic(value);
  return fn?.name === 'Fn::If' && Array.isArray(fn.arg) ? fn.arg.slice(1) : undefined;
}

/** Refs in a value, through Fn::If branches and lists: where a property may point at several resources. */
export function refTargets(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refTargets);
  const fn = intrinsic(value);
  if (fn?.name === 'Ref' && typeof fn.arg === 'string') return [fn.arg];
  return ifBranches(value)?.flatMap(refTargets) ?? [];
}

/** Literal strings of a value, through lists and both Fn::If branches. */
export function literals(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(literals);
  return ifBranches(value)?.flatMap(literals) ?? [];
}

/** The text of a literal string or of a Fn::Sub template, e.g. to read a FunctionName's prefix. */
export function subText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const fn = intrinsic(value);
  if (fn?.name !== 'Fn::Sub') return undefined;
  const text = Array.isArray(fn.arg) ? fn.arg[0] : fn.arg;
  return typeof text === 'string' ? text : undefined;
}

/** `${Name}` variables of a Sub template; `${!Name}` is a literal `${Name}`. */
export function subVariables(text: string): string[] {
  return [...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]!).filter((name) => !name.startsWith('!'));
}

export function resourcesOf(template: Node, type?: string): Array<[string, Node]> {
  return Object.entries(obj(template.Resources))
    .map(([id, resource]): [string, Node] => [id, obj(resource)])
    .filter(([, resource]) => type === undefined || resource.Type === type);
}
