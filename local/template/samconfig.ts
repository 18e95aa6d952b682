import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cloudformation';

/**
 * What `sam deploy` reads from samconfig.toml, as far as the local stage needs it. SAM CLI takes a command's
 * own section over the environment's `global` one ("Configuration precedence", AWS SAM CLI configuration file:
 * https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-sam-cli-config.html),
 * so for `sam deploy` in the default environment: [default.deploy.parameters], then [default.global.parameters].
 * Only TOML's tables and basic strings are read: the keys the stage takes are strings.
 */
export const SAMCONFIG = 'samconfig.toml';

const TABLE = /^\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(?:#.*)?$/;
const STRING_KEY = /^([A-Za-z0-9_-]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$/;

function stringsByTable(text: string): Map<string, Record<string, string>> {
  const tables = new Map<string, Record<string, string>>();
  let current: Record<string, string> = {};
  for (const line of text.split('\n').map((l) => l.trim())) {
    const table = TABLE.exec(line);
    if (table) tables.set(table[1]!, (current = tables.get(table[1]!) ?? {}));
    const key = STRING_KEY.exec(line);
    if (key) current[key[1]!] = JSON.parse(`"${key[2]}"`) as string;
  }
  return tables;
}

/** The stack `sam deploy` deploys template.yaml to, and the local stage plays. */
export function deployedStackName(file = join(ROOT, SAMCONFIG)): string {
  const tables = stringsByTable(readFileSync(file, 'utf8'));
  const name = tables.get('default.deploy.parameters')?.stack_name ?? tables.get('default.global.parameters')?.stack_name;
  if (!name) throw new Error(`${SAMCONFIG}: no stack_name in [default.deploy.parameters] nor in [default.global.parameters]`);
  return name;
}
