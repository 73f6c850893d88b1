// The soak's quick variant for CI (issue 10 "Soak"): two minutes of the van's load on
// the soak bench (scripts/soak-rig.ts: the gateway as a child process, 10 tablets, GNSS
// at 10 Hz, the modem, printer and board on socat ptys, push sync to a real mosquitto).
// After a warm-up, open file descriptors and event listeners must not grow: a leak of
// one per command, per GNSS epoch or per modem poll would show within the two minutes
// (about 50 commands, 1,200 epochs, 100 polls). The full hour is `npm run soak`.
import { afterAll, describe, expect, it } from 'vitest';
import { sampleOf, summarize, type Sample } from '../../scripts/soak-probe.js';
import { SoakRig, BUSY_LOAD } from '../../scripts/soak-rig.js';

const MINUTES = Number(process.env.VIM_SOAK_QUICK_MINUTES ?? 2);
const WARMUP_S = 30;
const SAMPLE_S = 5;

describe('soak, quick variant', () => {
  const rig = new SoakRig(BUSY_LOAD);
  let failed = true;
  afterAll(async () => {
    if (failed && rig.gw) console.error(`soak-quick: files kept in ${rig.dir}\n--- gateway output (tail) ---\n${rig.gw.tail(3000)}`);
    await rig.stop(failed);
  });

  it(`${MINUTES} minutes at the van's load: no growth in file descriptors or event listeners, every command answered`, { timeout: MINUTES * 60_000 + 120_000 }, async () => {
    await rig.start();
    const pid = rig.gw.pid!;
    await rig.status(); // starts the event-loop histogram
    const samples: Sample[] = [];
    const t0 = performance.now();
    while (performance.now() - t0 < MINUTES * 60_000) {
      await new Promise((r) => setTimeout(r, SAMPLE_S * 1000));
      expect(rig.gw.running, 'the gateway exited during the soak').toBe(true);
      samples.push(sampleOf(pid, (performance.now() - t0) / 1000, (await rig.status()).runtime));
      rig.trimOutput();
    }
    const s = summarize(samples, WARMUP_S);
    console.log(`soak-quick: ${JSON.stringify({ ...s, commands: { ok: rig.stats.ok, refused: rig.stats.refused, retries: rig.stats.retries } })}`);

    expect(rig.stats.errors, 'load errors').toEqual([]);
    // Every tablet sent about MINUTES * 2 commands and the kiosk MINUTES tickets (with calls).
    expect(rig.stats.ok).toBeGreaterThanOrEqual(BUSY_LOAD.tablets * MINUTES * (60 / BUSY_LOAD.tabletEveryS) * 0.8);
    expect(rig.stats.refused, 'commands refused').toEqual({});
    // Flat: the last samples hold no more than the first ones after warm-up. Three of each, so a
    // descriptor a device reconnect or a status call holds for a moment does not count as growth;
    // a leak of one per command or per poll would add dozens.
    const after = samples.filter((x) => x.t >= WARMUP_S);
    const early = (k: 'fds' | 'listeners') => Math.max(...after.slice(0, 3).map((x) => x[k]));
    const late = (k: 'fds' | 'listeners') => Math.max(...after.slice(-3).map((x) => x[k]));
    expect(late('fds'), `fds ${JSON.stringify(s.fdsAfterWarmup)}`).toBeLessThanOrEqual(early('fds'));
    expect(late('listeners'), `listeners ${JSON.stringify(s.listenersAfterWarmup)}`).toBeLessThanOrEqual(early('listeners'));
    // Every device is up: the load ran against real serial links, not against absent drivers.
    const st = await rig.status();
    for (const d of st.devices) expect(d, `device ${d.name}`).toMatchObject({ state: 'ok' });
    failed = false;
  });
});
