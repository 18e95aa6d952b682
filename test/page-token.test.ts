import { createHmac } from 'node:crypto';
import { ExpiredPageToken, InvalidPageToken } from '../functions/company/errors';
import { CLOCK_SKEW_SECONDS, PAGE_TOKEN_LIFETIME_SECONDS, pageTokenCodec, type PageTokenKeyring } from '../functions/company/page-token';

/** The page-token codec on fixed inputs: a fixed keyring, a clock the test moves, no I/O. */

const LIFETIME_MS = PAGE_TOKEN_LIFETIME_SECONDS * 1000;
const ROTATED = new Date('2026-11-25T10:00:00Z');
/** The secret after one rotation: the new key signs from `ROTATED` on. */
const rotated: PageTokenKeyring = { current: 'new-key', currentActiveFrom: ROTATED, previous: 'old-key' };
const only = (key: string): PageTokenKeyring => ({ current: key, currentActiveFrom: new Date(0) });
const at = (date: Date, offsetMs = 0) => () => new Date(date.getTime() + offsetMs);
const payload = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

const issue = (keyring: PageTokenKeyring, when: () => Date, bytes: Uint8Array = payload) => pageTokenCodec(keyring, when).encode(bytes);
const read = (keyring: PageTokenKeyring, when: () => Date, token: string) => pageTokenCodec(keyring, when).decode(token);

describe('a token this API issued', () => {
  it('keeps its format: version 1, issue time in seconds, payload, 16 bytes of HMAC-SHA256', () => {
    // Tokens outstanding when a new version deploys must still read: this one was issued by the first one.
    const token = issue(only('k'), () => new Date('2026-11-25T10:00:00.900Z'));
    const raw = Buffer.from(token, 'base64url');
    expect(raw.subarray(0, 5).toString('hex')).toBe(`01${(Date.UTC(2026, 10, 25, 10) / 1000).toString(16)}`);
    expect(raw.subarray(5, 21)).toEqual(payload);
    expect(raw.subarray(21)).toEqual(createHmac('sha256', 'k').update(raw.subarray(0, 21)).digest().subarray(0, 16));
    expect(token).toMatch(/^[A-Za-z0-9_-]{50}$/);
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['a company id', payload],
    ['a longer index key', Buffer.from('{"name":"Acme Corp","companyId":"00112233"}')],
  ])('gives back its payload, %s, for its whole lifetime', (_, bytes) => {
    const token = issue(only('k'), at(ROTATED), bytes);
    expect(read(only('k'), at(ROTATED), token)).toEqual(bytes);
    expect(read(only('k'), at(ROTATED, LIFETIME_MS - 1000), token)).toEqual(bytes);
  });

  it('expires after its lifetime, with its own error', () => {
    const token = issue(only('k'), at(ROTATED));
    expect(() => read(only('k'), at(ROTATED, LIFETIME_MS), token)).toThrow(ExpiredPageToken);
  });

  it('is refused when issued later than the clock by more than the skew allows', () => {
    const ahead = issue(only('k'), at(ROTATED, (CLOCK_SKEW_SECONDS + 1) * 1000));
    expect(() => read(only('k'), at(ROTATED), ahead)).toThrow(InvalidPageToken);
    const withinSkew = issue(only('k'), at(ROTATED, CLOCK_SKEW_SECONDS * 1000));
    expect(read(only('k'), at(ROTATED), withinSkew)).toEqual(payload);
  });
});

describe('anything else is refused as invalid', () => {
  const token = issue(only('k'), at(ROTATED));
  const raw = () => Buffer.from(token, 'base64url');
  const flip = (byte: number) => {
    const bytes = raw();
    bytes[byte]! ^= 0x01;
    return bytes.toString('base64url');
  };
  /** A well-formed token whose MAC is right for `key`: what only a holder of the key could make. */
  const signedWith = (key: string, signed: Buffer) =>
    Buffer.concat([signed, createHmac('sha256', key).update(signed).digest().subarray(0, 16)]).toString('base64url');

  it.each([
    ['with a changed MAC', () => flip(30)],
    ['with a changed payload', () => flip(10)],
    ['with a changed issue time', () => flip(4)],
    ['truncated', () => token.slice(0, -2)],
    ['extended', () => `${token}AA`],
    ['shorter than a header and a MAC', () => raw().subarray(0, 20).toString('base64url')],
    ['empty', () => ''],
    ['not in canonical base64url', () => `${token}=`],
    ['in another format version, though signed with the key', () => signedWith('k', Buffer.concat([Buffer.from([2]), raw().subarray(1, 21)]))],
    ['signed with a key the keyring does not hold', () => issue(only('another-key'), at(ROTATED))],
  ])('a token %s', (_, make) => {
    expect(() => read(only('k'), at(ROTATED), make())).toThrow(InvalidPageToken);
  });

  it('says nothing of expiry to a forger: a forged old token is invalid, not expired', () => {
    expect(() => read(only('k'), at(ROTATED, LIFETIME_MS * 2), flip(30))).toThrow(InvalidPageToken);
  });
});

describe('rotation', () => {
  it('signs with the previous key until the current one is active, then with the current one', () => {
    const before = issue(rotated, at(ROTATED, -1000));
    expect(read(only('old-key'), at(ROTATED), before)).toEqual(payload);
    expect(() => read(only('new-key'), at(ROTATED), before)).toThrow(InvalidPageToken);
    const after = issue(rotated, at(ROTATED));
    expect(read(only('new-key'), at(ROTATED), after)).toEqual(payload);
    expect(() => read(only('old-key'), at(ROTATED), after)).toThrow(InvalidPageToken);
  });

  it('accepts the previous key for one token lifetime after the current one became active, and not after', () => {
    // Issued under the old key as late as it could be, by a function that had not yet read the rotation.
    const late = issue(only('old-key'), at(ROTATED, LIFETIME_MS - 10_000));
    expect(read(rotated, at(ROTATED, LIFETIME_MS - 5_000), late)).toEqual(payload);
    expect(() => read(rotated, at(ROTATED, LIFETIME_MS), late)).toThrow(InvalidPageToken);
  });

  it('still reads what the previous key signed just before the rotation, until that token expires', () => {
    const token = issue(only('old-key'), at(ROTATED, -1000));
    expect(read(rotated, at(ROTATED, LIFETIME_MS - 2000), token)).toEqual(payload);
    expect(() => read(rotated, at(ROTATED, LIFETIME_MS - 1000), token)).toThrow(ExpiredPageToken);
  });

  it('accepts only the current key once the previous one is gone from the secret', () => {
    const token = issue(only('old-key'), at(ROTATED));
    expect(() => read(only('new-key'), at(ROTATED), token)).toThrow(InvalidPageToken);
  });
});
