// The requests service's ports on the real parts: the GNSS driver's current fix, the
// receipt printer, and where the TC Kimlik No HMAC key comes from. Thin on purpose.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { GnssDriver } from '../drivers/gnss/gnss-driver.js';
import type { PositionPort, RequestPosition } from '../services/requests/ports.js';
import type { HmacKeySource } from '../services/requests/requests-service.js';

/** 1e-7 degrees is about 1 cm: more digits are float noise, not precision. */
const round7 = (x: number) => Math.round(x * 1e7) / 1e7;

/** `position()` gives a fresh fix or null: a stale fix never stamps a record. */
export function gnssPositionPort(gnss: GnssDriver | null): PositionPort {
  return {
    current(): RequestPosition {
      const f = gnss?.position() ?? null;
      if (!f || f.mode === 'none' || f.lat === null || f.lon === null) return { fix: 'none' };
      return { fix: f.mode, lat: round7(f.lat), lon: round7(f.lon), hdop: f.hdop, satellites: f.satellitesUsed, at: f.time };
    },
  };
}

/**
 * The configured fleet-wide key, or a random 32-byte key kept in `file` (mode 0600, created
 * once, fsynced): HMACs made with it match within this van only, which the part's health says.
 */
export function hmacKeySource(configured: string | null, file: string): HmacKeySource {
  return {
    async load() {
      if (configured !== null) return { key: Buffer.from(configured, 'utf8'), origin: 'config' as const };
      try {
        const b = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
        if (b.length === 32) return { key: b, origin: 'local' as const };
        throw new Error(`${file} does not hold a 32-byte base64 key`);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      await mkdir(dirname(file), { recursive: true });
      const key = randomBytes(32);
      const fh = await open(file, 'wx', 0o600);
      try {
        await fh.writeFile(`${key.toString('base64')}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      return { key, origin: 'local' as const };
    },
  };
}
