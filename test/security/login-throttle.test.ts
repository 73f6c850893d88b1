// The brute-force brake on its own, with a fake clock, for the figures that take too
// long to measure live: how many guesses an attacker gets in an hour, how the locks
// grow and reset, and that its memory stays bounded under a flood of addresses.
import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../firmware-ts/src/broker/login-throttle.js';

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** An attacker that guesses whenever allowed, polling every 100 ms; returns how many guesses got checked. */
function guessFor(th: LoginThrottle, c: ReturnType<typeof clock>, ms: number, from: (i: number) => string, user: (i: number) => string): number {
  let checked = 0;
  for (let elapsed = 0, i = 0; elapsed < ms; elapsed += 100, c.advance(100), i++) {
    if (th.admit(from(i), user(i)).ok) {
      checked++;
      th.failed(from(i), user(i));
    }
  }
  return checked;
}

describe('login throttle', () => {
  it('gives one address 5 free guesses, then locks of 1, 2, 4 ... 60 s: about 70 guesses an hour', () => {
    const c = clock();
    const th = new LoginThrottle({}, c.now);
    const perHour = guessFor(th, c, 3600_000, () => '10.42.0.99', (i) => `user${i}`);
    console.log(`login throttle: one address spraying usernames gets ${perHour} checked guesses per hour`);
    // 5 free + 6 locks up to 32 s (63 s in all) + one per 60 s for the other 3,537 s = 70.
    expect(perHour).toBeGreaterThanOrEqual(68);
    expect(perHour).toBeLessThanOrEqual(71);
  });

  it('gives one username the same bound when the guesses come from many addresses', () => {
    const c = clock();
    const th = new LoginThrottle({}, c.now);
    const perHour = guessFor(th, c, 3600_000, (i) => `10.42.${i % 250}.${(i / 250) | 0}`, () => 'ayse');
    console.log(`login throttle: many addresses guessing one username get ${perHour} checked guesses per hour`);
    expect(perHour).toBeLessThanOrEqual(71);
  });

  it('doubles each lock, caps it, and forgets after 15 quiet minutes', () => {
    const c = clock();
    const th = new LoginThrottle({}, c.now);
    const locks: number[] = [];
    for (let i = 0; i < 12; i++) {
      locks.push(th.failed('a', null));
      c.advance(th.admit('a', 'x').ok ? 0 : (th.admit('a', 'x') as { retryMs: number }).retryMs);
    }
    expect(locks).toEqual([0, 0, 0, 0, 0, 1000, 2000, 4000, 8000, 16000, 32000, 60000]);
    c.advance(15 * 60_000 + 1);
    expect(th.failed('a', null)).toBe(0);
  });

  it('exempts a pair that logged in before from its username\'s lock, not from its address\'s', () => {
    const c = clock();
    const th = new LoginThrottle({}, c.now);
    th.succeeded('10.42.0.11', 'ayse');
    for (let i = 0; i < 8; i++) th.failed(`10.42.1.${i}`, 'ayse');
    expect(th.admit('10.42.0.12', 'ayse')).toMatchObject({ ok: false, by: 'username' });
    expect(th.admit('10.42.0.11', 'ayse')).toEqual({ ok: true });
    for (let i = 0; i < 6; i++) th.failed('10.42.0.11', 'ayse');
    expect(th.admit('10.42.0.11', 'ayse')).toMatchObject({ ok: false, by: 'address' });
    // A day later the trust has lapsed.
    c.advance(24 * 3600_000 + 1);
    for (let i = 0; i < 8; i++) th.failed(`10.42.1.${i}`, 'ayse');
    expect(th.admit('10.42.0.11', 'ayse')).toMatchObject({ ok: false });
  });

  it('locks a flooding address for at least 30 s at once', () => {
    const c = clock();
    const th = new LoginThrottle({}, c.now);
    expect(th.penalize('10.42.0.5')).toBe(30_000);
    c.advance(29_000);
    expect(th.admit('10.42.0.5', 'ayse').ok).toBe(false);
    c.advance(1_001);
    expect(th.admit('10.42.0.5', 'ayse').ok).toBe(true);
  });

  it('stays bounded when a million addresses and names fail', () => {
    const c = clock();
    const th = new LoginThrottle({ maxEntries: 1000 }, c.now);
    for (let i = 0; i < 1_000_000; i++) th.failed(`a${i}`, `u${i}`);
    expect(th.entries).toBeLessThanOrEqual(2000);
  });
});
