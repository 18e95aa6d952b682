import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { yamlParse } from 'yaml-cfn';
import { ROOT } from '../../../local/template/cloudformation';
import type { Context, ProjectFiles } from './context';
import { deploymentProblems } from './deployment';
import { iamProblems } from './iam';
import { literalProblems } from './literals';
import { obj } from './nodes';
import { globalsProblems, resourceProblems } from './properties';
import { referenceProblems } from './references';
import { stateMachineProblems } from './state-machines';
import { exportNames, symbolsOf } from './symbols';

/**
 * Offline checks of the CloudFormation/SAM templates and the files they pull in: property names against the
 * AWS resource specification, references, CodeDeploy hooks, IAM least privilege and hard-coded accounts or
 * regions. Each problem is one line, `file: path: what is wrong`, so a failing test says what to fix.
 */

export type { ProjectFiles } from './context';

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

function lintTemplate(ctx: Context): string[] {
  const inFile = (problems: string[]) => problems.map((p) => `${ctx.file}: ${p}`);
  return [
    ...inFile(resourceProblems(ctx.template)),
    ...inFile(globalsProblems(ctx.template)),
    ...referenceProblems(ctx),
    ...inFile(deploymentProblems(ctx.template, ctx.symbols)),
    ...inFile(iamProblems(ctx.template)),
    ...stateMachineProblems(ctx),
  ];
}
