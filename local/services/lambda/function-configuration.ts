import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { functionArn } from '../../template/stage';
import type { NamedAlias, PublishedVersion } from './local-lambda';

/**
 * Lambda's answers to an operator's reads, in the shapes of its API reference: FunctionConfiguration
 * (GetFunctionConfiguration, ListVersionsByFunction, GetFunction's Configuration) and AliasConfiguration
 * (GetAlias, ListAliases). Fields Lambda keeps for what the local stage does not have (a role, layers, a VPC)
 * are left out rather than made up.
 */

/** A bundle's size and SHA-256 (base64), as Lambda reports a deployment package's CodeSize and CodeSha256. */
const codeDigests = new Map<string, { size: number; sha256: string }>();
function codeDigest(bundleDir: string): { size: number; sha256: string } {
  const known = codeDigests.get(bundleDir);
  if (known) return known;
  const hash = createHash('sha256');
  let size = 0;
  const files = (readdirSync(bundleDir, { recursive: true, withFileTypes: true }) as Array<{ isFile(): boolean; name: string; parentPath: string }>)
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  for (const file of files) {
    const content = readFileSync(file);
    size += content.length;
    hash.update(file.slice(bundleDir.length)).update(content);
  }
  const digest = { size, sha256: hash.digest('base64') };
  codeDigests.set(bundleDir, digest);
  return digest;
}

/** Lambda's LastModified: ISO 8601 with a +0000 offset, as its API answers it. */
const lastModified = (at: Date) => at.toISOString().replace('Z', '+0000');

export function functionConfiguration({ spec, version, bundleDir, publishedAt }: PublishedVersion) {
  const code = codeDigest(bundleDir);
  return {
    FunctionName: spec.functionName,
    FunctionArn: functionArn(spec.functionName, version),
    Runtime: spec.runtime,
    Handler: spec.handler,
    CodeSize: code.size,
    CodeSha256: code.sha256,
    Timeout: spec.timeoutSeconds,
    MemorySize: spec.memoryMb,
    LastModified: lastModified(publishedAt),
    Version: version,
    Environment: { Variables: spec.environment },
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: spec.architectures ?? ['x86_64'],
    EphemeralStorage: { Size: 512 },
    LoggingConfig: {
      LogFormat: spec.logging.format,
      LogGroup: spec.logging.logGroup,
      ...(spec.logging.format === 'JSON' ? { ApplicationLogLevel: spec.logging.applicationLogLevel, SystemLogLevel: spec.logging.systemLogLevel } : {}),
    },
    // One revision per published version: a version never changes, and $LATEST changes only when rebuilt.
    RevisionId: createHash('sha256').update(`${spec.functionName}:${version}:${code.sha256}`).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, '$1-$2-$3-$4-$5'),
  };
}

export function aliasConfiguration({ functionName, name, routing, revisionId }: NamedAlias) {
  const weights = routing.additionalVersionWeights;
  return {
    AliasArn: functionArn(functionName, name),
    Name: name,
    FunctionVersion: routing.functionVersion,
    Description: '',
    ...(Object.keys(weights).length > 0 ? { RoutingConfig: { AdditionalVersionWeights: weights } } : {}),
    RevisionId: revisionId,
  };
}
