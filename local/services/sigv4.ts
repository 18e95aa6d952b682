import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type Hash, type Hmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { StageCredentials } from '../credentials';

/**
 * Checks AWS Signature Version 4 on a request to a local endpoint, as AWS does: the stage's access key,
 * a date within 15 minutes, and a signature recomputed over the headers the client signed. An SDK client
 * with the stage's credentials passes; a page in a browser cannot even send the Authorization header
 * cross-site, and a process without the credentials cannot compute it.
 */
export type AuthFailure = { status: 403; type: string; message: string };

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;
const MAX_SKEW_MS = 15 * 60_000;

/** The SHA-256 the signer takes, on Node's own crypto. */
export class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', typeof secret === 'string' ? secret : Buffer.from(secret as ArrayBuffer));
  }
  update(data: string | ArrayBufferView): void {
    this.hash.update(data as string);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

const failure = (type: string, message: string): AuthFailure => ({ status: 403, type, message });

function parseAmzDate(value: string | undefined): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  return match ? new Date(Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!, +match[4]!, +match[5]!, +match[6]!)) : undefined;
}

/** Undefined when the request is signed with the stage's credentials; otherwise why not, as AWS words it. */
export async function verifySignature(req: IncomingMessage, body: Buffer, credentials: StageCredentials, now = Date.now()): Promise<AuthFailure | undefined> {
  const header = req.headers.authorization;
  if (!header) return failure('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const parsed = AUTHORIZATION.exec(header);
  if (!parsed) return failure('IncompleteSignatureException', 'Authorization header requires a valid AWS4-HMAC-SHA256 signature.');
  const [, accessKeyId, , region, service, signedHeaders, signature] = parsed as unknown as string[];
  if (accessKeyId !== credentials.accessKeyId) return failure('UnrecognizedClientException', 'The security token included in the request is invalid.');
  const signingDate = parseAmzDate(String(req.headers['x-amz-date'] ?? ''));
  if (!signingDate) return failure('IncompleteSignatureException', 'The request must carry an X-Amz-Date header.');
  if (Math.abs(now - signingDate.getTime()) > MAX_SKEW_MS) return failure('InvalidSignatureException', 'Signature expired: the request date is more than 15 minutes away from the server time.');

  const [path = '/', rawQuery = ''] = (req.url ?? '/').split(/\?(.*)/s);
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    const existing = query[key];
    query[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders!.split(';')) {
    const value = req.headers[name];
    if (value === undefined) return failure('InvalidSignatureException', `Signed header ${name} is missing from the request.`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const signer = new SignatureV4({ credentials, region: region!, service: service!, sha256: NodeSha256, applyChecksum: false });
  const signed = await signer.sign(
    { method: req.method ?? 'GET', protocol: 'http:', hostname: String(req.headers.host ?? ''), path, query, headers, body },
    { signingDate, signingRegion: region, signingService: service },
  );
  const expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
  const matches = expected.length === signature!.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature!));
  return matches ? undefined : failure('InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.');
}
