import { compileJsonPattern } from './json-pattern';
import { FilterPatternError, type MessageMatcher } from './matcher';
import { compileTermPattern } from './term-pattern';

/**
 * CloudWatch Logs' filter pattern language, as subscription filters and FilterLogEvents use it, as far as
 * AWS documents it (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html):
 * the empty pattern, which matches every event; a JSON pattern `{ … }`; plain-text terms. What the local
 * stage does not implement (space-delimited `[…]` patterns, `%…%` regular expressions) is refused when the
 * pattern is compiled, never matched some other way.
 */

const everyMessage: MessageMatcher = () => true;

export function compileFilterPattern(pattern: string): MessageMatcher {
  const trimmed = pattern.trim();
  if (trimmed === '') return everyMessage;
  if (trimmed.startsWith('{')) return compileJsonPattern(trimmed);
  if (trimmed.startsWith('[')) throw new FilterPatternError('space-delimited patterns ([field, …]) are not supported locally');
  return compileTermPattern(trimmed);
}
