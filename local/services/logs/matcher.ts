/** Whether one log event's message matches a filter pattern. */
export type MessageMatcher = (message: string) => boolean;

/** A pattern the local stage cannot match as CloudWatch Logs would: invalid, or not implemented here. */
export class FilterPatternError extends Error {}
