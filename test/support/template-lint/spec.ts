import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
// The types of the database that @aws-cdk/aws-service-spec returns: its public API is declared with them.
import type { Property, Resource, SpecDatabase, TypeDefinition } from '@aws-cdk/service-spec-types';

/** The AWS resource specification, as @aws-cdk/aws-service-spec ships it, and how SAM types map onto it. */

let database: SpecDatabase | undefined;
const resourceCache = new Map<string, Resource | undefined>();

/** The spec's database, loaded once, on first use: it takes about half a second. */
export function spec(): SpecDatabase {
  return (database ??= loadAwsServiceSpecSync());
}

/** The spec's resource for a CloudFormation or SAM type (both are in the database). */
export function specResource(type: string): Resource | undefined {
  if (!resourceCache.has(type)) resourceCache.set(type, spec().lookup('resource', 'cloudFormationType', 'equals', type)[0]);
  return resourceCache.get(type);
}

/**
 * SAM hands these properties unchanged to the resource it generates, while its own spec lags behind
 * (LoggingConfig is missing) or types them only as JSON (MethodSettings); the generated type describes them.
 */
const SAM_PASSTHROUGH: Record<string, { to: string; properties: string[] }> = {
  'AWS::Serverless::Function': { to: 'AWS::Lambda::Function', properties: ['LoggingConfig'] },
  'AWS::Serverless::Api': { to: 'AWS::ApiGateway::Stage', properties: ['MethodSettings'] },
};

/** The resource SAM generates under the same logical id: Fn::GetAtt of a SAM resource reads its attributes. */
export const SAM_GENERATES: Record<string, string> = {
  'AWS::Serverless::Function': 'AWS::Lambda::Function',
  'AWS::Serverless::Api': 'AWS::ApiGateway::RestApi',
  'AWS::Serverless::StateMachine': 'AWS::StepFunctions::StateMachine',
};

export function knownProperties(type: string): Record<string, Property> | undefined {
  const resource = specResource(type);
  const passthrough = SAM_PASSTHROUGH[type];
  if (!resource || !passthrough) return resource?.properties;
  const target = specResource(passthrough.to)!.properties;
  return { ...resource.properties, ...Object.fromEntries(passthrough.properties.map((name) => [name, target[name]!])) };
}

/**
 * The same within SAM's property types: DeploymentPreference's TriggerConfigurations "is passed directly to the
 * TriggerConfigurations property of an AWS::CodeDeploy::DeploymentGroup resource" (AWS SAM Developer Guide,
 * DeploymentPreference), which SAM's spec here does not list.
 */
const SAM_TYPE_PASSTHROUGH: Record<string, { to: string; properties: string[] }> = {
  'AWS::Serverless::Function DeploymentPreference': { to: 'AWS::CodeDeploy::DeploymentGroup', properties: ['TriggerConfigurations'] },
};

export function knownTypeProperties(type: string, definition: TypeDefinition): Record<string, Property> {
  const passthrough = SAM_TYPE_PASSTHROUGH[`${type} ${definition.name}`];
  if (!passthrough) return definition.properties;
  const target = specResource(passthrough.to)!.properties;
  return { ...definition.properties, ...Object.fromEntries(passthrough.properties.map((name) => [name, target[name]!])) };
}
