import { operations, type Operation } from '../../../open-api/contract';
import type { Template } from '../../template/cloudformation';

/** API Gateway's resource tree, read from the imported OpenAPI document: one entry per path. */
export interface Resource {
  path: string;
  pattern: RegExp;
  paramNames: string[];
  /** Static segments outrank `{param}`, which outranks `{proxy+}`, as in API Gateway. */
  rank: number[];
  methods: Map<string, Operation>;
}

export interface RouteMatch {
  resource: Resource;
  operation?: Operation;
  pathParameters: Record<string, string>;
}

const escape = (text: string) => text.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

export function resourcesOf(document: Template): Resource[] {
  const byPath = new Map<string, Resource>();
  for (const operation of operations(document)) {
    let resource = byPath.get(operation.path);
    if (!resource) {
      const paramNames: string[] = [];
      const segments = operation.path.split('/').filter(Boolean);
      const source = segments
        .map((segment) => {
          const greedy = /^\{(.+)\+\}$/.exec(segment);
          const param = /^\{(.+)\}$/.exec(segment);
          if (greedy) return paramNames.push(greedy[1]!), '/(.+)';
          if (param) return paramNames.push(param[1]!), '/([^/]+)';
          return `/${escape(segment)}`;
        })
        .join('');
      const rank = segments.map((s) => (/^\{.+\+\}$/.test(s) ? 0 : s.startsWith('{') ? 1 : 2));
      resource = { path: operation.path, pattern: new RegExp(`^${source || '/'}$`), paramNames, rank, methods: new Map() };
      byPath.set(operation.path, resource);
    }
    resource.methods.set(operation.method, operation);
  }
  return [...byPath.values()].sort((a, b) => compareRank(b.rank, a.rank));
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? -1) - (b[i] ?? -1);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The most specific resource for the path, then its method, else its ANY method. */
export function matchRoute(resources: Resource[], method: string, path: string): RouteMatch | undefined {
  for (const resource of resources) {
    const match = resource.pattern.exec(path);
    if (!match) continue;
    const pathParameters = Object.fromEntries(resource.paramNames.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]));
    return { resource, operation: resource.methods.get(method) ?? resource.methods.get('ANY'), pathParameters };
  }
  return undefined;
}

/** The Lambda function ARN an aws_proxy integration URI points at. */
export function integrationFunctionArn(operation: Operation): string {
  const uri = String(operation.integration.uri);
  const match = /:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/.exec(uri);
  if (!match) throw new Error(`${operation.method} ${operation.path}: integration URI ${uri} names no Lambda function`);
  return match[1]!;
}
