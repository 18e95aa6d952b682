import { besideFile, type Context } from './context';
import { hint } from './hint';
import { obj, resourcesOf, subVariables } from './nodes';

/** State machine definitions: every `${Name}` they use has a DefinitionSubstitutions key, and no key is unused. */

export function stateMachineProblems(ctx: Context): string[] {
  return resourcesOf(ctx.template, 'AWS::Serverless::StateMachine').flatMap(([id, resource]) => {
    const properties = obj(resource.Properties);
    if (typeof properties.DefinitionUri !== 'string') return [];
    const at = `${ctx.file}: Resources.${id}.Properties`;
    const path = besideFile(ctx.file, properties.DefinitionUri);
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
