// Line noise as real receivers and cheap USB-serial adapters produce it, so the
// driver's framer has something to resync on. Each sentence gets at most one of:
//   checksum   the *hh digits do not match the sentence (a flipped bit on the wire)
//   glued      the CRLF is missing, so the next sentence follows on the same line
//   junk       binary bytes after the sentence (a receiver's binary protocol, a baud mismatch)
//   truncated  the sentence is cut short before its '*hh' and the next one follows at once (bytes lost in a
//              receiver buffer overrun or a USB-serial FIFO)
// Junk never contains a sentence start ('$', '!'), CR or LF and always has a byte
// outside printable ASCII, so each run is one countable record; real junk can
// contain anything.

export const NOISE_KINDS = ['checksum', 'glued', 'junk', 'truncated'] as const;
export type NoiseKind = (typeof NOISE_KINDS)[number];

/** Probability per sentence for each enabled kind. */
export type NoiseSpec = Partial<Record<NoiseKind, number>>;

export const DEFAULT_NOISE_PROBABILITY = 0.05;

function isKind(s: string): s is NoiseKind {
  return (NOISE_KINDS as readonly string[]).includes(s);
}

function probability(name: string, raw: string): number {
  const p = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(p) || p < 0 || p > 1) throw new Error(`${name}: must be a probability from 0 to 1 (got "${raw}")`);
  return p;
}

/**
 * Parses `checksum,glued:0.1,junk` (kinds with an optional probability each; the others get `defaultP`).
 * Throws an error that names the argument and the bad part.
 */
export function parseNoise(spec: string, defaultP = DEFAULT_NOISE_PROBABILITY, argName = 'noise'): NoiseSpec {
  const out: NoiseSpec = {};
  if (spec.trim() === '' || spec === 'none') return out;
  for (const part of spec.split(',')) {
    const [kind = '', p] = part.trim().split(':');
    if (!isKind(kind)) throw new Error(`${argName}: "${kind}" is not one of ${NOISE_KINDS.join(', ')}`);
    out[kind] = p === undefined ? defaultP : probability(`${argName} ${kind}`, p);
  }
  const total = Object.values(out).reduce((a, b) => a + b, 0);
  if (total > 1) throw new Error(`${argName}: probabilities add up to ${total}, more than 1`);
  return out;
}

export function parseProbability(raw: string, argName: string): number {
  return probability(argName, raw);
}


export class NoiseInjector {
  /** How many sentences got each corruption. */
  readonly counts: Record<NoiseKind, number> = { checksum: 0, glued: 0, junk: 0, truncated: 0 };
  sentences = 0;
  private readonly table: [NoiseKind, number][];

  constructor(
    spec: NoiseSpec,
    private readonly rand: () => number,
  ) {
    this.table = NOISE_KINDS.filter((k) => (spec[k] ?? 0) > 0).map((k) => [k, spec[k]!]);
  }

  get enabled(): boolean {
    return this.table.length > 0;
  }

  /** The bytes of a burst of sentences (each `$...*hh\r\n`), with noise applied. */
  apply(sentences: readonly string[]): Buffer {
    const parts: Buffer[] = [];
    for (const s of sentences) {
      this.sentences++;
      const kind = this.table.length ? this.pick() : null;
      if (kind) this.counts[kind]++;
      parts.push(Buffer.from(kind ? this.corrupt(s, kind) : s, 'latin1'));
      if (kind === 'junk') parts.push(this.junk());
    }
    return Buffer.concat(parts);
  }

  private pick(): NoiseKind | null {
    let r = this.rand();
    for (const [kind, p] of this.table) {
      if (r < p) return kind;
      r -= p;
    }
    return null;
  }

  private corrupt(s: string, kind: NoiseKind): string {
    const star = s.lastIndexOf('*');
    switch (kind) {
      case 'checksum': {
        const good = parseInt(s.slice(star + 1, star + 3), 16);
        const bad = (good ^ (1 + Math.floor(this.rand() * 255))) & 0xff;
        return `${s.slice(0, star + 1)}${bad.toString(16).toUpperCase().padStart(2, '0')}\r\n`;
      }
      case 'glued':
        return s.replace(/\r\n$/, '');
      case 'truncated': {
        const cut = 7 + Math.floor(this.rand() * Math.max(1, star - 7));
        return s.slice(0, Math.min(cut, star));
      }
      case 'junk':
        return s;
    }
  }

  private junk(): Buffer {
    const n = 4 + Math.floor(this.rand() * 21);
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) {
      let v = Math.floor(this.rand() * 256);
      if (v === 0x24 || v === 0x21 || v === 0x0d || v === 0x0a) v |= 0x80;
      b[i] = v;
    }
    b[0] = 0xb5; // u-blox UBX sync characters: the commonest binary junk on a GNSS line
    if (n > 1) b[1] = 0x62;
    return b;
  }
}
