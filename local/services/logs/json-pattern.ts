import { FilterPatternError, type MessageMatcher } from './matcher';

/**
 * JSON filter patterns, `{ … }`, as AWS documents them
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html, "Matching terms in
 * JSON log events"; the archived copy https://github.com/awsdocs/amazon-cloudwatch-logs-user-guide/blob/master/doc_source/FilterAndPatternSyntax.md):
 *
 * - a selector `$.a.b`, `$.list[0]`, `$.grid[0][1]`: properties of letters, digits, `-` and `_`, an index
 *   only after a property;
 * - `= "text"` / `!= text`, case-sensitive, with `*` matching any text at the start or the end only
 *   ("Ev*ent will only match the actual string Ev*ent");
 * - `= != < <= > >=` against a number (`500`, `+1000`, `55.5`, `10e-3`);
 * - `IS NULL`, `NOT EXISTS`, `IS TRUE`, `IS FALSE`;
 * - `&&` and `||`, with parentheses, "standard order of operations () > && > ||".
 *
 * "The SELECTOR must point to a value node (string or number) in the JSON. If it points to an array or
 * object, the filter will not be applied": such a condition is false whatever its operator, and a message
 * that is not a JSON object matches no JSON pattern. Where AWS is silent, assumptions: a comparison with a
 * missing field is false (`!=` included: NOT EXISTS is the documented way to ask for absence); a text
 * comparison also matches a number by its decimal text (the documentation's `{ $.latency = * }` selects a
 * numeric latency); a numeric comparison matches numbers only; `true`, `false` and `null` are values only
 * through IS TRUE, IS FALSE and IS NULL, so `= true` is refused rather than guessed at.
 */

type Step = string | number;
type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=';
type Expected = { type: 'text'; matches: (text: string) => boolean } | { type: 'number'; value: number };

type Expression =
  | { kind: 'and' | 'or'; left: Expression; right: Expression }
  | { kind: 'compare'; selector: Step[]; operator: Operator; expected: Expected }
  | { kind: 'isNull' | 'notExists' | 'isTrue' | 'isFalse'; selector: Step[] };

type Token =
  | { kind: '(' | ')' | '&&' | '||' }
  | { kind: 'operator'; operator: Operator }
  | { kind: 'selector' | 'word' | 'quoted'; text: string };

const OPERATORS: Operator[] = ['!=', '<=', '>=', '=', '<', '>'];
/** Where an unquoted selector or value ends. */
const DELIMITER = /[\s()=!<>&|"]/;
const SELECTOR = /^\$(\.[A-Za-z0-9_-]+(\[\d+\])*)+$/;
const NUMBER = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const UNARY = { 'IS NULL': 'isNull', 'NOT EXISTS': 'notExists', 'IS TRUE': 'isTrue', 'IS FALSE': 'isFalse' } as const;

function tokenize(body: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < body.length) {
    const char = body[i]!;
    const two = body.slice(i, i + 2);
    const operator = OPERATORS.find((candidate) => body.startsWith(candidate, i));
    if (/\s/.test(char)) i++;
    else if (char === '(' || char === ')') {
      tokens.push({ kind: char });
      i++;
    } else if (two === '&&' || two === '||') {
      tokens.push({ kind: two });
      i += 2;
    } else if (two === '==') throw new FilterPatternError('== is not an operator of the pattern language; equality is =');
    else if (operator) {
      tokens.push({ kind: 'operator', operator });
      i += operator.length;
    } else if (char === '"') {
      let text = '';
      for (i++; i < body.length && body[i] !== '"'; i++) text += body[i] === '\\' && i + 1 < body.length ? body[++i] : body[i];
      if (i >= body.length) throw new FilterPatternError(`the quoted value "${text} has no closing double quote`);
      tokens.push({ kind: 'quoted', text });
      i++;
    } else if (char === '&' || char === '|' || char === '!') throw new FilterPatternError(`"${char}" is not an operator; use &&, || or !=`);
    else {
      const rest = body.slice(i);
      const end = rest.search(DELIMITER);
      const text = end === -1 ? rest : rest.slice(0, end);
      tokens.push({ kind: char === '$' ? 'selector' : 'word', text });
      i += text.length;
    }
  }
  return tokens;
}

function selectorSteps(text: string): Step[] {
  if (!SELECTOR.test(text)) {
    throw new FilterPatternError(`the selector ${text} is not one the local stage matches: $, then .property steps (letters, digits, - and _) and [index] steps after a property`);
  }
  return [...text.matchAll(/\.([A-Za-z0-9_-]+)|\[(\d+)\]/g)].map((step) => (step[1] !== undefined ? step[1] : Number(step[2])));
}

/** `*` at the start, the end or both matches any text there; anywhere else it is the character itself. */
function textMatcher(pattern: string): (text: string) => boolean {
  const leading = pattern.startsWith('*');
  const trailing = pattern.length > 1 && pattern.endsWith('*');
  const core = pattern.slice(leading ? 1 : 0, trailing ? -1 : undefined);
  if (leading && trailing) return (text) => text.includes(core);
  if (leading) return (text) => text.endsWith(core);
  if (trailing) return (text) => text.startsWith(core);
  return (text) => text === core;
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Expression {
    if (this.tokens.length === 0) throw new FilterPatternError('the JSON pattern has no condition between its braces');
    const expression = this.or();
    const extra = this.tokens[this.position];
    if (extra) throw new FilterPatternError(`unexpected ${describe(extra)} after a complete condition`);
    return expression;
  }

  private next(): Token | undefined {
    return this.tokens[this.position++];
  }

  private peek(kind: Token['kind']): boolean {
    return this.tokens[this.position]?.kind === kind;
  }

  private or(): Expression {
    let left = this.and();
    while (this.peek('||')) {
      this.position++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Expression {
    let left = this.operand();
    while (this.peek('&&')) {
      this.position++;
      left = { kind: 'and', left, right: this.operand() };
    }
    return left;
  }

  private operand(): Expression {
    const token = this.next();
    if (token?.kind === '(') {
      const inner = this.or();
      if (this.next()?.kind !== ')') throw new FilterPatternError('a parenthesis is not closed');
      return inner;
    }
    if (token?.kind !== 'selector') throw new FilterPatternError(`expected a selector such as $.field, found ${describe(token)}`);
    return this.condition(token.text, selectorSteps(token.text));
  }

  private condition(text: string, selector: Step[]): Expression {
    const token = this.next();
    if (token?.kind === 'operator') return { kind: 'compare', selector, operator: token.operator, expected: this.value(text, token.operator) };
    const second = this.tokens[this.position];
    const phrase = token?.kind === 'word' && second?.kind === 'word' ? `${token.text} ${second.text}` : '';
    if (Object.hasOwn(UNARY, phrase)) {
      this.position++;
      return { kind: UNARY[phrase as keyof typeof UNARY], selector };
    }
    throw new FilterPatternError(`expected an operator, IS NULL, IS TRUE, IS FALSE or NOT EXISTS after ${text}, found ${describe(token)}`);
  }

  private value(selector: string, operator: Operator): Expected {
    const token = this.next();
    if (token?.kind === 'quoted' || token?.kind === 'word') {
      const numeric = token.kind === 'word' && NUMBER.test(token.text);
      if (numeric) return { type: 'number', value: Number(token.text) };
      if (token.kind === 'word' && token.text.startsWith('%')) throw new FilterPatternError('regular-expression values (%…%) are not supported locally');
      if (token.kind === 'word' && ['true', 'false', 'null'].includes(token.text.toLowerCase())) {
        throw new FilterPatternError(`${selector} ${operator} ${token.text}: compare with true, false or null through IS TRUE, IS FALSE or IS NULL`);
      }
      if (operator !== '=' && operator !== '!=') throw new FilterPatternError(`${selector} ${operator} needs a number, not ${token.text}`);
      return { type: 'text', matches: textMatcher(token.text) };
    }
    throw new FilterPatternError(`expected a value after ${selector} ${operator}, found ${describe(token)}`);
  }
}

function describe(token: Token | undefined): string {
  if (!token) return 'the end of the pattern';
  if (token.kind === 'operator') return token.operator;
  return 'text' in token ? token.text : token.kind;
}

const ABSENT = Symbol('absent');

function select(root: unknown, selector: Step[]): unknown {
  let node: unknown = root;
  for (const step of selector) {
    const container = typeof step === 'number' ? Array.isArray(node) : node !== null && typeof node === 'object' && !Array.isArray(node);
    if (!container || !Object.hasOwn(node as object, step)) return ABSENT;
    node = (node as Record<string | number, unknown>)[step];
  }
  return node;
}

function compare(value: unknown, operator: Operator, expected: Expected): boolean {
  if (expected.type === 'number') {
    if (typeof value !== 'number') return false;
    const order = { '=': value === expected.value, '!=': value !== expected.value, '<': value < expected.value, '<=': value <= expected.value, '>': value > expected.value, '>=': value >= expected.value };
    return order[operator];
  }
  if (typeof value !== 'string' && typeof value !== 'number') return false;
  const matched = expected.matches(String(value));
  return operator === '=' ? matched : !matched;
}

function evaluate(expression: Expression, root: unknown): boolean {
  switch (expression.kind) {
    case 'and':
      return evaluate(expression.left, root) && evaluate(expression.right, root);
    case 'or':
      return evaluate(expression.left, root) || evaluate(expression.right, root);
    case 'compare':
      return compare(select(root, expression.selector), expression.operator, expression.expected);
    case 'isNull':
      return select(root, expression.selector) === null;
    case 'notExists':
      return select(root, expression.selector) === ABSENT;
    case 'isTrue':
      return select(root, expression.selector) === true;
    case 'isFalse':
      return select(root, expression.selector) === false;
  }
}

/** The message as a JSON object, or undefined for anything else (text, a bare value, an array). */
function jsonObject(message: string): object | undefined {
  if (!message.trimStart().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(message);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function compileJsonPattern(pattern: string): MessageMatcher {
  if (!pattern.endsWith('}')) throw new FilterPatternError('a JSON pattern must end with }');
  const expression = new Parser(tokenize(pattern.slice(1, -1))).parse();
  return (message) => {
    const root = jsonObject(message);
    return root !== undefined && evaluate(expression, root);
  };
}
