import { child, isObject } from './nodes';

/** Literal account ids and regions, in any project file: templates should use the pseudo parameters. */

const ACCOUNT_ID = /(?<!\d)\d{12}(?!\d)/;
const REGION = /\b[a-z]{2}(?:-gov|-iso[a-z]?)?-(?:north|south|east|west|central)(?:east|west)?-\d+\b/;

export function literalProblems(file: string, doc: unknown): string[] {
  return scalars(doc, '').flatMap(([text, at]) => [
    ...(ACCOUNT_ID.exec(text) ?? []).map((id) => `${file}: ${at}: literal account id ${id}; use \${AWS::AccountId}`),
    ...(REGION.exec(text) ?? []).map((region) => `${file}: ${at}: literal region ${region}; use \${AWS::Region}`),
  ]);
}

/** Keys and scalars of the parsed file: all of its text but the comments. */
function scalars(node: unknown, at: string): Array<[string, string]> {
  if (Array.isArray(node)) return node.flatMap((item, i) => scalars(item, `${at}[${i}]`));
  if (isObject(node)) {
    return Object.entries(node).flatMap(([key, value]) => {
      const path = child(at, key);
      return [[key, path] as [string, string], ...scalars(value, path)];
    });
  }
  return typeof node === 'string' || typeof node === 'number' ? [[String(node), at]] : [];
}
