import { compileFilterPattern } from '../local/services/logs/filter-pattern';
import { FilterPatternError } from '../local/services/logs/matcher';

/**
 * CloudWatch Logs' filter pattern language, held to the examples of AWS's own documentation
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html) and to what the
 * deployment guard asks of it; what the local stage does not implement is refused, never mis-matched.
 */

const matches = (pattern: string, message: unknown) => compileFilterPattern(pattern)(typeof message === 'string' ? message : JSON.stringify(message));

/** The documentation's first JSON example. */
const TRAIL = {
  eventType: 'UpdateTrail',
  sourceIPAddress: '111.111.111.111',
  arrayKey: ['value', 'another value'],
  objectList: [
    { name: 'a', id: 1 },
    { name: 'b', id: 2 },
  ],
  SomeObject: null,
  ThisFlag: true,
};

/** The documentation's compound-conditions example. */
const USERS = {
  user: { id: 1, email: 'John.Stiles@example.com' },
  users: [
    { id: 2, email: 'John.Doe@example.com' },
    { id: 3, email: 'Jane.Doe@example.com' },
  ],
  actions: ['GET', 'PUT', 'DELETE'],
  coordinates: [
    [0, 1, 2],
    [4, 5, 6],
    [7, 8, 9],
  ],
};

/** Lambda's JSON system record of a failed invocation, what the guard's subscription reads. */
const REPORT = {
  time: '2026-12-02T10:00:00.000Z',
  type: 'platform.report',
  record: { requestId: 'r-1', status: 'error', errorType: 'Runtime.ExitError', metrics: { durationMs: 1250.5, billedDurationMs: 1251, memorySizeMB: 128, maxMemoryUsedMB: 90 } },
};

describe('the empty pattern', () => {
  it.each(['', '   '])('%j matches every event, JSON or not', (pattern) => {
    expect(matches(pattern, 'START RequestId: 1 Version: $LATEST')).toBe(true);
    expect(matches(pattern, TRAIL)).toBe(true);
  });
});

describe('JSON patterns: equality on text', () => {
  it.each([
    ['{ $.eventType = "UpdateTrail" }', true],
    ['{ $.eventType = UpdateTrail }', true],
    ['{$.eventType="UpdateTrail"}', true],
    ['{ $.eventType = "updatetrail" }', false],
    ['{ $.eventType != "UpdateTrail" }', false],
    ['{ $.eventType != "DeleteTrail" }', true],
  ])('%s → %s', (pattern, expected) => expect(matches(pattern, TRAIL)).toBe(expected));

  it.each([
    ['{ $.sourceIPAddress != 123.123.* }', true],
    ['{ $.sourceIPAddress = 111.111.* }', true],
    ['{ $.sourceIPAddress = *.111 }', true],
    ['{ $.sourceIPAddress = *111.111* }', true],
    ['{ $.sourceIPAddress = *222* }', false],
    ['{ $.eventType = * }', true],
  ])('a * at the start or end matches any text there: %s → %s', (pattern, expected) => expect(matches(pattern, TRAIL)).toBe(expected));

  it('takes a * inside a value as itself ("Ev*ent will only match the actual string Ev*ent")', () => {
    expect(matches('{ $.eventType = Update*Trail }', TRAIL)).toBe(false);
    expect(matches('{ $.eventType = Update*Trail }', { eventType: 'Update*Trail' })).toBe(true);
  });

  it('reads escaped quotes inside a quoted value', () => {
    expect(matches('{ $.text = "say \\"hi\\"" }', { text: 'say "hi"' })).toBe(true);
  });
});

describe('JSON patterns: selectors', () => {
  it.each([
    ['{ $.arrayKey[0] = "value" }', true],
    ['{ $.arrayKey[1] = "another value" }', true],
    ['{ $.arrayKey[2] = "value" }', false],
    ['{ $.objectList[1].id = 2 }', true],
    ['{ $.objectList[1].id = 1 }', false],
    ['{ $.objectList[0].name = a }', true],
  ])('indexes arrays: %s → %s', (pattern, expected) => expect(matches(pattern, TRAIL)).toBe(expected));

  it('indexes nested arrays', () => {
    expect(matches('{ $.coordinates[0][1] = 1 }', USERS)).toBe(true);
    expect(matches('{ $.coordinates[2][2] = 9 }', USERS)).toBe(true);
    expect(matches('{ $.coordinates[2][2] = 8 }', USERS)).toBe(false);
  });

  it('finds nothing through an index on an object or a property on an array', () => {
    expect(matches('{ $.user[0] = 1 }', USERS)).toBe(false);
    expect(matches('{ $.actions.length = 3 }', USERS)).toBe(false);
  });

  it('accepts - and _ in property names', () => {
    expect(matches('{ $.x-request_id = abc }', { 'x-request_id': 'abc' })).toBe(true);
  });

  it.each(['{ $.arrayKey = "value" }', '{ $.arrayKey != "value" }', '{ $.objectList[0] = * }', '{ $.objectList != 1 }', '{ $.objectList > 1 }'])(
    'matches nothing when the selector points at an array or object, whatever the operator: %s',
    (pattern) => expect(matches(pattern, TRAIL)).toBe(false),
  );

  it('matches nothing for users = 1 or users != 1 where users is an array (the documentation\'s example)', () => {
    expect(matches('{ $.users = 1 }', { users: [1, 2, 3] })).toBe(false);
    expect(matches('{ $.users != 1 }', { users: [1, 2, 3] })).toBe(false);
  });
});

describe('JSON patterns: numbers', () => {
  const latency = { latency: 500, errorCode: 400, numbers: [9999, 0.009], processes: [{}, {}, {}, {}, { averageRuntime: 55.5 }] };
  it.each([
    ['{ $.latency >= 500 }', true],
    ['{ $.latency > 500 }', false],
    ['{ $.latency <= 500 }', true],
    ['{ $.latency < 500 }', false],
    ['{ $.latency = 500 }', true],
    ['{ $.latency != 500 }', false],
    ['{ $.latency != 501 }', true],
    ['{ $.latency > +499 }', true],
    ['{ $.latency > -1 }', true],
    ['{ $.numbers[0] < 10e3 }', true],
    ['{ $.numbers[1] < 10e-3 }', true],
    ['{ $.numbers[1] < 9e-3 }', false],
    ['{ $.processes[4].averageRuntime <= 55.5 }', true],
    ['{ $.processes[4].averageRuntime < 55.5 }', false],
    ['{ $.errorCode = 400 }', true],
    ['{ $.errorCode != 500 }', true],
  ])('%s → %s', (pattern, expected) => expect(matches(pattern, latency)).toBe(expected));

  it('compares numbers with numbers only: a numeric comparison does not match a string', () => {
    expect(matches('{ $.errorCode = 400 }', { errorCode: '400' })).toBe(false);
    expect(matches('{ $.errorCode > 300 }', { errorCode: '400' })).toBe(false);
  });

  it('matches a number by its text in a text comparison, so { $.latency = * } selects a numeric latency', () => {
    expect(matches('{ $.latency = * }', { latency: 12 })).toBe(true);
    expect(matches('{ $.latency = "12" }', { latency: 12 })).toBe(true);
  });
});

describe('JSON patterns: IS NULL, NOT EXISTS, IS TRUE, IS FALSE', () => {
  it.each([
    ['{ $.SomeObject IS NULL }', true],
    ['{ $.eventType IS NULL }', false],
    ['{ $.SomeOtherObject IS NULL }', false],
    ['{ $.SomeOtherObject NOT EXISTS }', true],
    ['{ $.SomeObject NOT EXISTS }', false],
    ['{ $.objectList[5] NOT EXISTS }', true],
    ['{ $.objectList[0].missing NOT EXISTS }', true],
    ['{ $.ThisFlag IS TRUE }', true],
    ['{ $.ThisFlag IS FALSE }', false],
    ['{ $.eventType IS TRUE }', false],
  ])('%s → %s', (pattern, expected) => expect(matches(pattern, TRAIL)).toBe(expected));

  it('IS FALSE matches false', () => expect(matches('{ $.ThisFlag IS FALSE }', { ThisFlag: false })).toBe(true));

  it('a comparison with a missing field is false, != included', () => {
    expect(matches('{ $.missing = * }', TRAIL)).toBe(false);
    expect(matches('{ $.missing != "x" }', TRAIL)).toBe(false);
    expect(matches('{ $.missing != 1 }', TRAIL)).toBe(false);
  });

  it('a text comparison does not match a boolean or null', () => {
    expect(matches('{ $.ThisFlag = * }', TRAIL)).toBe(false);
    expect(matches('{ $.SomeObject = * }', TRAIL)).toBe(false);
  });
});

describe('JSON patterns: && and ||, () > && > ||', () => {
  it.each([
    ['{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', true],
    ['{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', false],
    ['{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }', true],
    ['{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }', false],
  ])("the documentation's compound example %s → %s", (pattern, expected) => expect(matches(pattern, USERS)).toBe(expected));

  it('binds && tighter than || on either side', () => {
    const event = { a: 1, b: 0, c: 0 };
    expect(matches('{ $.a = 1 || $.b = 1 && $.c = 1 }', event)).toBe(true);
    expect(matches('{ $.b = 1 && $.c = 1 || $.a = 1 }', event)).toBe(true);
    expect(matches('{ ($.a = 1 || $.b = 1) && $.c = 1 }', event)).toBe(false);
  });

  it('nests parentheses', () => {
    expect(matches('{ (($.a = 1) && ($.b = 0 || $.b = 5)) && $.c = 0 }', { a: 1, b: 5, c: 0 })).toBe(true);
  });

  it("selects Lambda's report of a failed invocation, and not one of a success", () => {
    const failed = '{ $.type = "platform.report" && $.record.status != "success" }';
    expect(matches(failed, REPORT)).toBe(true);
    expect(matches(failed, { ...REPORT, record: { ...REPORT.record, status: 'success' } })).toBe(false);
    expect(matches('{ $.type = "platform.report" && $.record.metrics.durationMs > 1000 }', REPORT)).toBe(true);
    expect(matches('{ $.record.errorType = Runtime.* }', REPORT)).toBe(true);
  });
});

describe('JSON patterns on messages that are not JSON objects', () => {
  it.each([
    'START RequestId: 7f3a Version: 1',
    '2026-12-02T10:00:00.000Z\t7f3a\tERROR\t{"type":"platform.report"}',
    '{ "type": "platform.report"',
    '[{"type":"platform.report"}]',
    '"platform.report"',
    '42',
  ])('%j matches no JSON pattern, NOT EXISTS included', (message) => {
    expect(matches('{ $.type = "platform.report" }', message)).toBe(false);
    expect(matches('{ $.anything NOT EXISTS }', message)).toBe(false);
  });

  it('reads a JSON line with white space around it, as Lambda writes a record with a newline', () => {
    expect(matches('{ $.type = "platform.report" }', `  ${JSON.stringify(REPORT)}\n`)).toBe(true);
  });
});

describe('plain-text terms', () => {
  it('matches a term anywhere in the message, case-sensitively', () => {
    expect(matches('ERROR', '[ERROR] A fatal exception has occurred')).toBe(true);
    expect(matches('ERROR', 'Exiting with ERRORCODE: -1')).toBe(true);
    expect(matches('ERROR', 'error: lower case')).toBe(false);
    expect(matches('"ERROR"', 'Exiting with ERRORCODE: -1')).toBe(true);
  });

  it('needs every term, in any order', () => {
    expect(matches('ERROR Exception', '[ERROR] Caught IllegalArgumentException')).toBe(true);
    expect(matches('ERROR Exception', '[ERROR] Caught it')).toBe(false);
    expect(matches('Failed to process the request', '[ERROR] Unable to continue: Failed to process the request')).toBe(true);
    expect(matches('request the Failed', '[WARN] Failed to process the request')).toBe(true);
  });

  it('matches a quoted term as written, spaces included', () => {
    expect(matches('"to process the"', '[WARN] Failed to process the request')).toBe(true);
    expect(matches('"the process to"', '[WARN] Failed to process the request')).toBe(false);
    expect(matches('"platform.report"', JSON.stringify(REPORT))).toBe(true);
    expect(matches('"say \\"hi\\""', 'they say "hi"')).toBe(true);
  });

  it('excludes a term after a minus sign, with or without a space after it', () => {
    expect(matches('"ERROR" - "Exiting"', 'Exiting with ERRORCODE: -1')).toBe(false);
    expect(matches('"ERROR" - "Exiting"', '[ERROR] A fatal exception has occurred')).toBe(true);
    const examples = ['ERROR WARN message', 'ERROR message', 'WARN message'];
    expect(examples.filter((message) => matches('ERROR -WARN', message))).toEqual(['ERROR message']);
    expect(examples.filter((message) => matches('ERROR WARN', message))).toEqual(['ERROR WARN message']);
    expect(examples.filter((message) => matches('-ERROR', message))).toEqual(['WARN message']);
  });

  it('matches any one of ?term alternatives', () => {
    const examples = ['ERROR WARN message', 'ERROR message', 'WARN message', 'INFO message'];
    expect(examples.filter((message) => matches('?ERROR ?WARN', message))).toEqual(['ERROR WARN message', 'ERROR message', 'WARN message']);
    expect(examples.filter((message) => matches('?"INFO message" ?nothing', message))).toEqual(['INFO message']);
  });
});

describe('refused patterns', () => {
  const refusal = (pattern: string) => {
    try {
      compileFilterPattern(pattern);
    } catch (error) {
      expect(error).toBeInstanceOf(FilterPatternError);
      return (error as Error).message;
    }
    throw new Error(`${pattern} was accepted`);
  };

  it.each([
    ['[ip, user, status_code = 4*, bytes]', /space-delimited patterns .* not supported locally/],
    ['%ERROR|WARN%', /regular-expression patterns .* not supported locally/],
    ['{ $.level = %ERR.*% }', /regular-expression values .* not supported locally/],
    ['?ERROR WARN', /alternatives mixed with other terms are not supported locally/],
    ['?ERROR -WARN', /alternatives mixed with other terms are not supported locally/],
  ])('refuses what the local stage does not implement, saying so: %s', (pattern, reason) => expect(refusal(pattern)).toMatch(reason));

  it.each([
    ['platform.report', /the term platform\.report .* must be in double quotes/],
    ['"unterminated', /no closing double quote/],
    ['ERROR -', /no term after it/],
    ['{ }', /no condition/],
    ['{ $.a = 1', /must end with \}/],
    ['{ $.a = 1 } trailing', /must end with \}/],
    ['{ $.a == 1 }', /== is not an operator/],
    ['{ $.a & $.b }', /"&" is not an operator/],
    ['{ $.a < abc }', /\$\.a < needs a number, not abc/],
    ['{ $.a >= "5" }', /\$\.a >= needs a number/],
    ['{ $.a = true }', /IS TRUE, IS FALSE or IS NULL/],
    ['{ $.a = null }', /IS TRUE, IS FALSE or IS NULL/],
    ['{ $.a IS MAYBE }', /expected an operator, IS NULL, IS TRUE, IS FALSE or NOT EXISTS after \$\.a/],
    ['{ $.a = }', /expected a value after \$\.a =/],
    ['{ $.a = "x" $.b = "y" }', /unexpected \$\.b after a complete condition/],
    ['{ ($.a = 1 }', /parenthesis is not closed/],
    ['{ a = 1 }', /expected a selector/],
    ['{ $[0] = 1 }', /selector \$\[0\] is not one the local stage matches/],
    ['{ $.a.* = 1 }', /selector \$\.a\.\* is not one the local stage matches/],
    ['{ $.@timestamp = 1 }', /selector \$\.@timestamp is not one/],
  ])('refuses an invalid pattern with the reason: %s', (pattern, reason) => expect(refusal(pattern)).toMatch(reason));
});
