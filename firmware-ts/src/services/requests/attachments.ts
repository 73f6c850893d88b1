// Photo attachments as they arrive inside the create command: base64 (optionally a data:
// URL), decoded strictly, checked against the size limit, and typed by their magic bytes.
// The type a tablet declares is not trusted; what the bytes say is what is recorded.
//   JPEG: FF D8 FF (JFIF/Exif, ITU T.81 SOI marker + next marker)
//   PNG:  89 50 4E 47 0D 0A 1A 0A (PNG spec §5.2 signature)
//   WebP: "RIFF" <size> "WEBP" (RFC 9649 §2)
//   HEIC/HEIF: an ISO BMFF "ftyp" box with brand heic/heix/hevc/hevx (HEIC) or mif1/msf1 (HEIF)
//              (ISO/IEC 23008-12), what iPhones save by default.
import { createHash } from 'node:crypto';
import { RequestError } from './errors.js';

export type ImageMime = 'image/jpeg' | 'image/png' | 'image/webp' | 'image/heic' | 'image/heif';

export const EXTENSIONS: Record<ImageMime, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/heic': 'heic',
  'image/heif': 'heif',
};

export interface Photo {
  sha256: string;
  bytes: number;
  mime: ImageMime;
  ext: string;
  data: Buffer;
}

/** The photo as the record holds it: the file is `<sha256>.<ext>` beside the journal. */
export interface PhotoRef {
  sha256: string;
  bytes: number;
  mime: ImageMime;
}

export function sniffImage(b: Buffer): ImageMime | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  if (b.length >= 12 && b.toString('latin1', 4, 8) === 'ftyp') {
    const brand = b.toString('latin1', 8, 12);
    if (['heic', 'heix', 'hevc', 'hevx'].includes(brand)) return 'image/heic';
    if (['mif1', 'msf1'].includes(brand)) return 'image/heif';
  }
  return null;
}

const DATA_URL = /^data:[\w.+-]+\/[\w.+-]+(?:;[\w=.+-]+)*;base64,/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decoded size of a base64 text without decoding it. */
export function base64Bytes(b64: string): number {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - pad;
}

/**
 * One photo from the payload: strict base64 (RFC 4648 §4; line breaks tolerated), within
 * `maxBytes`, and an image by its bytes. `field` names it in errors, e.g. "photos[1]".
 */
export function decodePhoto(text: string, maxBytes: number, field: string): Photo {
  let b64 = text.replace(DATA_URL, '');
  if (/\s/.test(b64)) b64 = b64.replace(/\s+/g, '');
  if (b64.length === 0) throw new RequestError('ATTACHMENT_NOT_IMAGE', `${field}.data: is empty`, { field: `${field}.data` });
  if (b64.length % 4 !== 0 || !BASE64.test(b64)) {
    throw new RequestError('ATTACHMENT_NOT_IMAGE', `${field}.data: is not base64`, { field: `${field}.data` });
  }
  const size = base64Bytes(b64);
  if (size > maxBytes) {
    throw new RequestError('ATTACHMENT_TOO_LARGE', `${field}: is ${size} bytes; a photo may be at most ${maxBytes} bytes`, { field, bytes: size, max: maxBytes });
  }
  const data = Buffer.from(b64, 'base64');
  const mime = sniffImage(data);
  if (!mime) throw new RequestError('ATTACHMENT_NOT_IMAGE', `${field}: is not a JPEG, PNG, WebP or HEIC image`, { field });
  return { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length, mime, ext: EXTENSIONS[mime], data };
}
