// Record ids are UUIDv7 (RFC 9562 §5.7): globally unique without coordination and
// roughly time-ordered, which keeps the journal's unique index append-friendly.
import { randomFillSync } from 'node:crypto';

// One getrandom() call per 400 ids instead of one per id: ids are made for every record.
const POOL = Buffer.alloc(4096);
let poolAt = POOL.length;

function random10(into: Buffer): void {
  if (poolAt + 10 > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  POOL.copy(into, 6, poolAt, poolAt + 10);
  poolAt += 10;
}

export function uuidv7(now = Date.now()): string {
  const b = Buffer.allocUnsafe(16);
  random10(b);
  const ms = BigInt(now);
  for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  b[6] = (b[6]! & 0x0f) | 0x70; // version 7
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
