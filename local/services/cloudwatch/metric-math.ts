/**
 * CloudWatch metric math, the part alarms use: an expression over the ids of the alarm's other metrics,
 * evaluated once per period. Arithmetic (+ - * /), comparisons (> >= < <= == !=), AND, OR, NOT, numbers,
 * and the functions IF, FILL, MIN, MAX and ABS. As in CloudWatch, a period where an operand has no value
 * has no value, unless FILL gives it one; a comparison is 1 when true and 0 when false.
 */
export type Value = number | undefined;
export type Expression = (values: Record<string, Value>) => Value;

type Token = { kind: 'number'; value: number } | { kind: 'name'; value: string } | { kind: 'op'; value: string };

const TOKEN = /\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(>=|<=|==|!=|[-+*/(),<>]))/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match) throw new Error(`metric math: cannot read "${text.slice(at)}" in ${text}`);
    if (match[1]) tokens.push({ kind: 'number', value: Number(match[1]) });
    else if (match[2]) tokens.push({ kind: 'name', value: match[2] });
    else tokens.push({ kind: 'op', value: match[3]! });
  }
  return tokens;
}

const defined = (value: Value): value is number => value !== undefined && Number.isFinite(value);
const binary = (f: (a: number, b: number) => number) => (a: Expression, b: Expression): Expression => (values) => {
  const left = a(values);
  const right = b(values);
  if (!defined(left) || !defined(right)) return undefined;
  const result = f(left, right);
  return Number.isFinite(result) ? result : undefined;
};
const unaryOf = (f: (a: number) => number) => (a: Expression): Expression => (values) => {
  const value = a(values);
  return defined(value) ? f(value) : undefined;
};
const truth = (f: (a: number, b: number) => boolean) => binary((a, b) => (f(a, b) ? 1 : 0));

const OPERATORS: Array<Record<string, (a: Expression, b: Expression) => Expression>> = [
  { OR: truth((a, b) => a !== 0 || b !== 0) },
  { AND: truth((a, b) => a !== 0 && b !== 0) },
  { '>': truth((a, b) => a > b), '>=': truth((a, b) => a >= b), '<': truth((a, b) => a < b), '<=': truth((a, b) => a <= b), '==': truth((a, b) => a === b), '!=': truth((a, b) => a !== b) },
  { '+': binary((a, b) => a + b), '-': binary((a, b) => a - b) },
  { '*': binary((a, b) => a * b), '/': binary((a, b) => a / b) },
];

const FUNCTIONS: Record<string, { arity: number; build(args: Expression[]): Expression }> = {
  IF: {
    arity: 3,
    build: ([condition, then, otherwise]) => (values) => {
      const test = condition!(values);
      if (test === undefined) return undefined;
      return test !== 0 ? then!(values) : otherwise!(values);
    },
  },
  FILL: { arity: 2, build: ([series, fill]) => (values) => series!(values) ?? fill!(values) },
  MIN: { arity: 2, build: ([a, b]) => binary(Math.min)(a!, b!) },
  MAX: { arity: 2, build: ([a, b]) => binary(Math.max)(a!, b!) },
  ABS: { arity: 1, build: ([a]) => unaryOf(Math.abs)(a!) },
  NOT: { arity: 1, build: ([a]) => unaryOf((value) => (value === 0 ? 1 : 0))(a!) },
};

/** Parses `text`; any id it names must be one of `ids`. */
export function parseExpression(text: string, ids: string[]): Expression {
  const tokens = tokenize(text);
  let next = 0;
  const peek = () => tokens[next];
  const fail = (why: string): never => {
    throw new Error(`metric math: ${why} in ${text}`);
  };
  const expect = (op: string) => {
    const token = tokens[next++];
    if (token?.kind !== 'op' || token.value !== op) fail(`expected "${op}"`);
  };

  function level(depth: number): Expression {
    if (depth === OPERATORS.length) return unary();
    let left = level(depth + 1);
    for (;;) {
      const token = peek();
      const operator = token && token.kind !== 'number' ? OPERATORS[depth]![String(token.value)] : undefined;
      if (!operator) return left;
      next++;
      left = operator(left, level(depth + 1));
    }
  }

  function unary(): Expression {
    const token = peek();
    if (token?.kind === 'op' && token.value === '-') {
      next++;
      return unaryOf((value) => -value)(unary());
    }
    return primary();
  }

  function primary(): Expression {
    const token = tokens[next++];
    if (!token) return fail('unexpected end');
    if (token.kind === 'number') return () => token.value;
    if (token.kind === 'op') {
      if (token.value !== '(') fail(`unexpected "${token.value}"`);
      const inner = level(0);
      expect(')');
      return inner;
    }
    const fn = FUNCTIONS[token.value];
    if (fn) {
      expect('(');
      const args = [level(0)];
      while (peek()?.kind === 'op' && peek()!.value === ',') {
        next++;
        args.push(level(0));
      }
      expect(')');
      if (args.length !== fn.arity) fail(`${token.value} takes ${fn.arity} arguments`);
      return fn.build(args);
    }
    if (!ids.includes(token.value)) fail(`unknown id or function ${token.value}`);
    return (values) => values[token.value];
  }

  const expression = level(0);
  if (next !== tokens.length) fail(`unexpected "${String(tokens[next]!.value)}"`);
  return expression;
}
