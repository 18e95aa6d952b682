import { FilterPatternError, type MessageMatcher } from './matcher';

/**
 * Plain-text term patterns, as AWS documents them
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html, "Matching terms in
 * log events"): terms separated by spaces must all appear in the message (`ERROR Exception`), `-term` must
 * not (`ERROR -WARN`, also written `"ERROR" - "Exiting"`), and a pattern of `?term`s matches a message with
 * any one of them (`?ERROR ?WARN`). Matching is case-sensitive and finds a term anywhere in the message: the
 * documentation's `ERROR` matches "Exiting with ERRORCODE: -1". A term of characters other than letters,
 * digits and underscores must be in double quotes; a quoted term is matched as written, spaces included.
 */

interface Term {
  kind: 'required' | 'excluded' | 'alternative';
  text: string;
}

const BARE_TERM = /^[A-Za-z0-9_]+$/;

function readQuoted(pattern: string, start: number): { text: string; end: number } {
  let text = '';
  for (let i = start + 1; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '"') return { text, end: i + 1 };
    if (char === '\\' && i + 1 < pattern.length) text += pattern[++i];
    else text += char;
  }
  throw new FilterPatternError(`the quoted term at character ${start + 1} has no closing double quote`);
}

function readTerms(pattern: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  const skipSpaces = () => {
    while (i < pattern.length && /\s/.test(pattern[i]!)) i++;
  };
  for (skipSpaces(); i < pattern.length; skipSpaces()) {
    let kind: Term['kind'] = 'required';
    if (pattern[i] === '?') {
      kind = 'alternative';
      i++;
    } else if (pattern[i] === '-') {
      kind = 'excluded';
      i++;
      skipSpaces();
    }
    if (i >= pattern.length) throw new FilterPatternError(`"${pattern}" ends with "${pattern.at(-1)}" and no term after it`);
    if (pattern[i] === '"') {
      const quoted = readQuoted(pattern, i);
      terms.push({ kind, text: quoted.text });
      i = quoted.end;
      continue;
    }
    const end = pattern.slice(i).search(/\s/);
    const word = end === -1 ? pattern.slice(i) : pattern.slice(i, i + end);
    i += word.length;
    if (word.includes('%')) throw new FilterPatternError('regular-expression patterns (%…%) are not supported locally');
    if (!BARE_TERM.test(word)) throw new FilterPatternError(`the term ${word} has characters other than letters, digits and underscores, so it must be in double quotes`);
    terms.push({ kind, text: word });
  }
  return terms;
}

export function compileTermPattern(pattern: string): MessageMatcher {
  const terms = readTerms(pattern);
  const texts = (kind: Term['kind']) => terms.filter((term) => term.kind === kind).map((term) => term.text);
  const [required, excluded, alternatives] = [texts('required'), texts('excluded'), texts('alternative')];
  if (alternatives.length > 0) {
    // AWS documents ?term alternatives on their own only; what they mean beside other terms is not written down.
    if (alternatives.length < terms.length) throw new FilterPatternError('?term alternatives mixed with other terms are not supported locally');
    return (message) => alternatives.some((text) => message.includes(text));
  }
  return (message) => required.every((text) => message.includes(text)) && !excluded.some((text) => message.includes(text));
}
