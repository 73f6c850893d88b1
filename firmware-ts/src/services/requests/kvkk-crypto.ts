// What is stored instead of a clear TC Kimlik No (DESIGN.md non-negotiable 6: "never stored
// or logged in clear where a hash or a mask serves"):
// - an HMAC-SHA256 under a fleet-wide secret key (RFC 2104), so HQ can tell that two
//   requests come from the same person without anyone holding the number. A plain hash
//   would not do: there are only ~10^10 valid numbers, a laptop hashes them all in minutes.
// - the masked form (tckn.ts) for people to read;
// - only when config says HQ needs the clear number: the number encrypted with
//   AES-256-GCM (NIST SP 800-38D) under a key HQ holds, a fresh 96-bit IV per record.
// Key ids let HQ know which key a record used after a key change, without revealing it.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export interface EncryptedTckn {
  alg: 'A256GCM';
  kid: string;
  /** base64 */
  iv: string;
  ct: string;
  tag: string;
}

export interface ProtectedTckn {
  masked: string;
  /** hex HMAC-SHA256(key, tckn) */
  hmac: string;
  /** Which HMAC key: see keyId(). */
  hmacKid: string;
  /** Present only when config asks for the clear number at HQ. */
  enc?: EncryptedTckn;
}

/** A public, stable name for a key: the first 16 hex digits of HMAC(key, "vim-key-id"). Reveals nothing of the key. */
export function keyId(key: Buffer): string {
  return createHmac('sha256', key).update('vim-key-id').digest('hex').slice(0, 16);
}

export function tcknHmac(key: Buffer, tckn: string): string {
  return createHmac('sha256', key).update(tckn, 'utf8').digest('hex');
}

export function encryptTckn(key: Buffer, tckn: string, iv: Buffer = randomBytes(12)): EncryptedTckn {
  if (key.length !== 32) throw new RangeError('AES-256-GCM needs a 32-byte key');
  const c = createCipheriv('aes-256-gcm', key, iv);
  // The additional data binds the ciphertext to its purpose: it cannot be passed off as another field.
  c.setAAD(Buffer.from('vim/tckn/v1'));
  const ct = Buffer.concat([c.update(tckn, 'utf8'), c.final()]);
  return { alg: 'A256GCM', kid: keyId(key), iv: iv.toString('base64'), ct: ct.toString('base64'), tag: c.getAuthTag().toString('base64') };
}

/** For HQ's tools and the tests: throws when the key is wrong or the record was altered. */
export function decryptTckn(key: Buffer, e: EncryptedTckn): string {
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(e.iv, 'base64'));
  d.setAAD(Buffer.from('vim/tckn/v1'));
  d.setAuthTag(Buffer.from(e.tag, 'base64'));
  return Buffer.concat([d.update(Buffer.from(e.ct, 'base64')), d.final()]).toString('utf8');
}

/** The config's encryption key: 32 bytes as base64 (e.g. `openssl rand -base64 32`), or null when it is not that. */
export function parseAesKey(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(text.trim())) return null;
  const b = Buffer.from(text.trim(), 'base64');
  return b.length === 32 ? b : null;
}
