// The types of the database that @aws-cdk/aws-service-spec returns: its public API is declared with them.
import type { Property, PropertyType } from '@aws-cdk/service-spec-types';
import { hint } from './hint';
import { ifBranches, intrinsic, isObject, obj, resourcesOf, type Node } from './nodes';
import { knownProperties, knownTypeProperties, spec, specResource } from './spec';

/** Resource types, resource attributes and property names, checked against the AWS resource specification. */

const RESOURCE_ATTRIBUTES = [
  'Type', 'Properties', 'DependsOn', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'UpdatePolicy', 'Metadata', 'CreationPolicy',
];

export function resourceProblems(template: Node): string[] {
  const transforms = [template.Transform].flat();
  return resourcesOf(template).flatMap(([id, resource]) => {
    const at = `Resources.${id}`;
    const problems = Object.keys(resource)
      .filter((key) => !RESOURCE_ATTRIBUTES.includes(key))
      .map((key) => `${at}.${key}: not a resource attribute${hint(key, RESOURCE_ATTRIBUTES)}`);
    const type = String(resource.Type);
    const resourceSpec = specResource(type);
    if (!resourceSpec) return [...problems, `${at}.Type: ${type} is not a resource type the AWS resource specification knows`];
    const transform = resourceSpec.cloudFormationTransform;
    if (transform && !transforms.includes(transform)) problems.push(`${at}.Type: ${type} needs Transform: ${transform} in the template`);
    return [...problems, ...objectProblems(obj(resource.Properties), knownProperties(type)!, type, type, `${at}.Properties`)];
  });
}

/** SAM's Globals sections hold properties of the SAM type they are named after. */
export function globalsProblems(template: Node): string[] {
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
  if (intrinsic(value)) {
    return (ifBranches(value) ?? []).flatMap((branch, i) => valueProblems(branch, types, type, `${at}.Fn::If[${i + 1}]`));
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
      return objectProblems(obj(value), knownTypeProperties(type, definition), `${type} ${definition.name}`, type, at);
    }
    case 'array':
      return (value as unknown[]).flatMap((item, i) => valueProblems(item, [t.element], type, `${at}[${i}]`));
    case 'map':
      return Object.entries(obj(value)).flatMap(([key, item]) => valueProblems(item, [t.element], type, `${at}.${key}`));
    default:
      return []; // JSON: anything goes
  }
}
