import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../template/cloudformation';
import type { EventRule } from '../template/stage';

/**
 * EventBridge's default bus for the stage: events from the local AWS services (CloudWatch alarm state
 * changes, CodeDeploy deployment state changes) matched against the rules template.yaml gives its
 * functions, and delivered to their targets as Lambda does for EventBridge: asynchronously, each rule's
 * target invoked once per matching event.
 */
export interface BusEvent {
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  resources?: string[];
}

export type Deliver = (functionName: string, event: unknown) => Promise<unknown>;

/**
 * EventBridge's content filter, as far as the project's rules use it: a pattern's keys must be in the event,
 * an array lists the values allowed (or `{ prefix }`, `{ exists }`, `{ "anything-but" }` matchers), and an
 * object nests a pattern for an object.
 */
export function matches(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) {
    const values = Array.isArray(value) ? value : [value];
    return pattern.some((allowed) => (isMatcher(allowed, 'exists') ? allowed.exists === (value !== undefined) : values.some((v) => matchesOne(allowed, v))));
  }
  if (pattern && typeof pattern === 'object') {
    if (!value || typeof value !== 'object') return false;
    return Object.entries(pattern).every(([key, nested]) => matches(nested, (value as Record<string, unknown>)[key]));
  }
  return false;
}

const isMatcher = <K extends string>(allowed: unknown, key: K): allowed is Record<K, unknown> =>
  Boolean(allowed) && typeof allowed === 'object' && key in (allowed as object);

function matchesOne(allowed: unknown, value: unknown): boolean {
  if (value === undefined) return false;
  if (isMatcher(allowed, 'prefix')) return typeof value === 'string' && value.startsWith(String(allowed.prefix));
  if (isMatcher(allowed, 'anything-but')) return ![allowed['anything-but']].flat().includes(value);
  return allowed === value;
}

export class LocalEventBridge {
  constructor(
    readonly rules: EventRule[],
    private readonly deliver: Deliver,
    private readonly onError: (message: string) => void = () => undefined,
  ) {}

  /** Puts an event on the bus; answers the functions it goes to. */
  put(event: BusEvent): string[] {
    const envelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': event.detailType,
      source: event.source,
      account: LOCAL_ACCOUNT,
      time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      region: LOCAL_REGION,
      resources: event.resources ?? [],
      detail: event.detail,
    };
    const targets = this.rules.filter((rule) => matches(rule.pattern, envelope)).map((rule) => rule.target);
    for (const target of targets) {
      this.deliver(target, envelope).catch((error: Error) => this.onError(`EventBridge could not deliver ${event.detailType} to ${target}: ${error.message}`));
    }
    return targets;
  }
}
