import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidPageToken } from './errors';

const ID_BYTES = 16;
const MAC_BYTES = 16;

/**
 * A nextToken is the last company id of a page plus a truncated HMAC of it, base64url-encoded, so a
 * client cannot steer a scan to a key of its choosing: a token this API did not issue is rejected.
 */
export interface PageTokenCodec {
  encode(lastCompanyId: string): string;
  decode(token: string): string;
}

export function pageTokenCodec(key: string): PageTokenCodec {
  const mac = (id: Buffer) => createHmac('sha256', key).update(id).digest().subarray(0, MAC_BYTES);
  return {
    encode(lastCompanyId) {
      const id = Buffer.from(lastCompanyId.replaceAll('-', ''), 'hex');
      return Buffer.concat([id, mac(id)]).toString('base64url');
    },
    decode(token) {
      const raw = Buffer.from(token, 'base64url');
      if (raw.length !== ID_BYTES + MAC_BYTES || raw.toString('base64url') !== token) throw new InvalidPageToken();
      const id = raw.subarray(0, ID_BYTES);
      if (!timingSafeEqual(mac(id), raw.subarray(ID_BYTES))) throw new InvalidPageToken();
      const hex = id.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
  };
}
