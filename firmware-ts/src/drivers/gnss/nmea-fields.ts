// Reading NMEA 0183 fields without allocating: one pass records where each comma-separated
// field starts and ends, and each reader converts one field in place. A field that does not
// parse gives null (small integers, characters) or NaN (measurements, see nmea-decoders.ts),
// which the result objects turn into null: nothing outside this folder ever sees NaN.

const CHARS: readonly string[] = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i));
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);
const MAX_FIELDS = 82; // a sentence has at most 80 characters, so fewer fields than that

export class NmeaFields {
  private s = '';
  /** Fields, the address field ("GPRMC") included as field 0. */
  n = 0;
  private readonly fs = new Int32Array(MAX_FIELDS); // field start offsets
  private readonly fe = new Int32Array(MAX_FIELDS); // field end offsets (exclusive)

  /** Indexes `s` from after the "$" up to `end` (the "*" of the checksum, or the end). */
  split(s: string, end: number): void {
    this.s = s;
    let n = 0;
    let a = 1;
    for (let i = 1; i < end && n < MAX_FIELDS - 1; i++) {
      if (s.charCodeAt(i) === 0x2c) {
        this.fs[n] = a;
        this.fe[n++] = i;
        a = i + 1;
      }
    }
    this.fs[n] = a;
    this.fe[n++] = end;
    this.n = n;
  }

  char(i: number): string | null {
    if (i >= this.n || this.fe[i]! - this.fs[i]! !== 1) return null;
    const c = this.s.charCodeAt(this.fs[i]!);
    return c < 128 ? CHARS[c]! : null;
  }

  hexDigit(i: number): number | null {
    if (i >= this.n || this.fe[i]! - this.fs[i]! !== 1) return null;
    const c = this.s.charCodeAt(this.fs[i]!);
    return c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : null;
  }

  /** Exactly `count` decimal digits as an integer. */
  digits(i: number, count: number): number | null {
    if (i >= this.n) return null;
    const a = this.fs[i]!;
    if (this.fe[i]! - a !== count) return null;
    let v = 0;
    for (let k = a; k < a + count; k++) {
      const d = this.s.charCodeAt(k) - 0x30;
      if (d < 0 || d > 9) return null;
      v = v * 10 + d;
    }
    return v;
  }

  /** An unsigned integer up to `max` (leading zeros fine, as in "08"). */
  int(i: number, max: number): number | null {
    if (i >= this.n) return null;
    const a = this.fs[i]!;
    const b = this.fe[i]!;
    if (b === a || b - a > 9) return null;
    let v = 0;
    for (let k = a; k < b; k++) {
      const d = this.s.charCodeAt(k) - 0x30;
      if (d < 0 || d > 9) return null;
      v = v * 10 + d;
    }
    return v <= max ? v : null;
  }

  /**
   * A decimal number, [+-]digits[.digits], or NaN when the field is empty or not one. NaN rather
   * than null, and the result passed through the double-only property `d`: a function that is not
   * inlined and returns a double boxes it (a heap allocation), one that returns nothing does not,
   * and these small wrappers are inlined into the decoders.
   */
  num(i: number): number {
    this.scanNumber(i, -Infinity, Infinity);
    return this.d;
  }

  nonNegative(i: number): number {
    this.scanNumber(i, 0, Infinity);
    return this.d;
  }

  angle(i: number): number {
    this.scanNumber(i, 0, 360);
    return this.d;
  }

  /** NMEA "ddmm.mmmm" / "dddmm.mmmm" plus hemisphere letter, to signed decimal degrees; NaN if invalid. */
  latLon(i: number, pos: number, neg: number, max: number): number {
    this.scanLatLon(i, pos, neg, max);
    return this.d;
  }

  private d = NaN;

  /**
   * Up to 15 significant digits the value is mantissa / 10^k, one correctly rounded division, as
   * parseFloat. Outside [min, max] it is NaN (checked here: "v >= 0 ? v : NaN" in the inlined wrapper
   * would join a double with a constant, and V8 boxes such a join).
   */
  private scanNumber(i: number, min: number, max: number): void {
    this.d = NaN;
    if (i >= this.n) return;
    const s = this.s;
    let k = this.fs[i]!;
    const b = this.fe[i]!;
    if (k === b) return;
    let neg = false;
    const c0 = s.charCodeAt(k);
    if (c0 === 0x2d || c0 === 0x2b) {
      neg = c0 === 0x2d;
      k++;
    }
    const unsigned = k;
    let m = 0;
    let digits = 0;
    let decimals = -1; // -1: no point yet
    for (; k < b; k++) {
      const c = s.charCodeAt(k);
      if (c === 0x2e && decimals < 0) {
        decimals = 0;
        continue;
      }
      const d = c - 0x30;
      if (d < 0 || d > 9) return;
      m = m * 10 + d;
      digits++;
      if (decimals >= 0) decimals++;
    }
    if (digits === 0) return;
    let v: number;
    if (digits <= 15) v = decimals > 0 ? m / POW10[decimals]! : m;
    else v = Number(s.slice(unsigned, b)); // rare: an absurdly long field
    if (neg) v = -v;
    if (v >= min && v <= max && Number.isFinite(v)) this.d = v;
  }

  private scanLatLon(i: number, pos: number, neg: number, max: number): void {
    this.scanNumber(i, 0, Infinity);
    const v = this.d;
    this.d = NaN;
    if (!(v >= 0) || i + 1 >= this.n || this.fe[i + 1]! - this.fs[i + 1]! !== 1) return;
    const h = this.s.charCodeAt(this.fs[i + 1]!);
    if (h !== pos && h !== neg) return;
    const deg = Math.floor(v / 100);
    const min = v - deg * 100;
    const d = deg + min / 60;
    if (min < 60 && d <= max) this.d = h === neg ? -d : d;
  }

  /** "hhmmss" or "hhmmss.sss" to milliseconds of the UTC day. */
  time(i: number): number | null {
    if (i >= this.n) return null;
    const a = this.fs[i]!;
    const b = this.fe[i]!;
    if (b - a < 6) return null;
    const s = this.s;
    let hms = 0;
    for (let k = a; k < a + 6; k++) {
      const d = s.charCodeAt(k) - 0x30;
      if (d < 0 || d > 9) return null;
      hms = hms * 10 + d;
    }
    const h = Math.floor(hms / 10000);
    const m = Math.floor(hms / 100) % 100;
    const sec = hms % 100;
    if (h > 23 || m > 59 || sec > 60) return null;
    let frac = 0;
    if (b > a + 6) {
      if (s.charCodeAt(a + 6) !== 0x2e || b - a - 7 > 9) return null;
      let f = 0;
      for (let k = a + 7; k < b; k++) {
        const d = s.charCodeAt(k) - 0x30;
        if (d < 0 || d > 9) return null;
        f = f * 10 + d;
      }
      frac = (f * 1000) / POW10[b - a - 7]!;
    }
    return ((h * 60 + m) * 60 + sec) * 1000 + frac;
  }
}
