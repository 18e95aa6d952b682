import { posix } from 'node:path';
import type { Node } from './nodes';
import type { Symbols } from './symbols';

/** Repository-relative POSIX path → file text. */
export type ProjectFiles = Record<string, string>;

/** One template being checked, with every project file (as text and parsed) and the names it may reference. */
export interface Context {
  file: string;
  template: Node;
  files: ProjectFiles;
  docs: Map<string, unknown>;
  symbols: Symbols;
}

/** The project path of a file a template names relative to itself (AWS::Include, DefinitionUri). */
export function besideFile(file: string, location: string): string {
  return posix.join(posix.dirname(file), location);
}
