import { createHmac, timingSafeEqual } from 'node:crypto';
import { ExpiredPageToken, InvalidPageToken } from './errors';

/**
 * A nextToken carries where the next page starts, opaque to clients: a format version, when it was issued
 * and the payload bytes, with a truncated HMAC over all three, base64url-encoded. A client can neither
 * steer a scan to a key of its choosing nor keep a token past its lifetime.
 */

export const PAGE_TOKEN_LIFETIME_SECONDS = 60 * 60;
/** How far ahead of this function's clock another function's may run, as a token's issue time shows it. */
export const CLOCK_SKEW_SECONDS = 30;

const FORMAT_VERSION = 1;
const HEADER_BYTES = 1 + 4;
const MAC_BYTES = 16;

/** The keys of the secret that signs page tokens, as every function of the stack reads them. */
export interface PageTokenKeyring {
  /** The secret's current value. */
  current: string;
  /**
   * When every function has read `current`, so that all of them can verify what it signs. Until then
   * tokens are still signed with `previous`, which functions that have not yet read `current` know.
   */
  currentActiveFrom: Date;
  /** The value `current` replaced, if the secret was ever rotated. */
  previous?: string;
}

export interface PageTokenCodec {
  encode(payload: Uint8Array): string;
  /** The payload of a token this API issued within its lifetime; anything else throws. */
  decode(token: string): Buffer;
}

const mac = (key: string, signed: Buffer) => createHmac('sha256', key).update(signed).digest().subarray(0, MAC_BYTES);
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

export function pageTokenCodec(keyring: PageTokenKeyring, now: () => Date): PageTokenCodec {
  /**
   * The keys a token may be signed with: always the current one; the previous one for as long as a token
   * it signed may still be unexpired, and no longer, so a retired key stops opening anything.
   */
  const verifyingKeys = (at: Date) => {
    const previousAcceptedUntil = keyring.currentActiveFrom.getTime() + PAGE_TOKEN_LIFETIME_SECONDS * 1000;
    return keyring.previous !== undefined && at.getTime() < previousAcceptedUntil ? [keyring.current, keyring.previous] : [keyring.current];
  };

  return {
    encode(payload) {
      const at = now();
      const key = keyring.previous !== undefined && at < keyring.currentActiveFrom ? keyring.previous : keyring.current;
      const signed = Buffer.alloc(HEADER_BYTES + payload.length);
      signed.writeUInt8(FORMAT_VERSION, 0);
      signed.writeUInt32BE(seconds(at), 1);
      signed.set(payload, HEADER_BYTES);
      return Buffer.concat([signed, mac(key, signed)]).toString('base64url');
    },

    decode(token) {
      const raw = Buffer.from(token, 'base64url');
      if (raw.length < HEADER_BYTES + MAC_BYTES || raw.toString('base64url') !== token || raw[0] !== FORMAT_VERSION) {
        throw new InvalidPageToken();
      }
      const signed = raw.subarray(0, raw.length - MAC_BYTES);
      const tag = raw.subarray(raw.length - MAC_BYTES);
      const at = now();
      if (!verifyingKeys(at).some((key) => timingSafeEqual(mac(key, signed), tag))) throw new InvalidPageToken();
      const issuedAt = signed.readUInt32BE(1);
      if (issuedAt > seconds(at) + CLOCK_SKEW_SECONDS) throw new InvalidPageToken();
      if (seconds(at) >= issuedAt + PAGE_TOKEN_LIFETIME_SECONDS) throw new ExpiredPageToken(PAGE_TOKEN_LIFETIME_SECONDS);
      return Buffer.from(signed.subarray(HEADER_BYTES));
    },
  };
}
