import type { FunctionReport, TimelineEvent } from '../../report';

export type PhaseEvent = Extract<TimelineEvent, { kind: 'phase' }>;

/** The function's timeline events of one kind, in the order they happened. */
export function eventsOf<K extends TimelineEvent['kind']>(fn: FunctionReport, kind: K): Array<Extract<TimelineEvent, { kind: K }>> {
  return fn.timeline.filter((event): event is Extract<TimelineEvent, { kind: K }> => event.kind === kind);
}
