// A day in the van (issue 10), the CI variant: the engine behind `npm run day`
// (scripts/day) plays a compressed day - tickets, requests, payments, coverage gaps, a
// modem needing a CFUN cycle, paper out, the GNSS unplugged and a SIGKILL in
// mid-payment - against the gateway as a child process on ptys with a real mosquitto as
// HQ, then checks the outcome. DAY_SCALE (default 0.4, about 2 minutes) sets its length.
import { afterAll, describe, expect, it } from 'vitest';
import { runDay, type DayResult } from '../../scripts/day/day.js';
import { summary } from '../../scripts/day/report.js';
import { killAllGateways, requireBuiltGateway } from '../helpers/gateway-process.js';

const scale = Number(process.env.DAY_SCALE ?? '0.4');

afterAll(async () => {
  await killAllGateways();
});

describe('a day in the van', () => {
  let day: DayResult;

  it(
    'plays the day and every end-of-day check passes',
    async () => {
      requireBuiltGateway();
      day = await runDay({ scale, log: (m) => console.error(`day: ${m}`) });
      console.error(summary(day));
      const failed = day.checks.filter((c) => !c.ok);
      expect(failed.map((c) => `${c.name}: ${c.detail}`), `${summary(day)}\nfiles kept in ${day.dir}\n--- gateway output (tail) ---\n${day.gatewayTail}`).toEqual([]);
    },
    Math.max(240_000, 900_000 * scale),
  );

  it('the summary names counts, latencies per command family, outages and bytes to HQ', () => {
    const s = summary(day);
    for (const family of ['queue', 'requests', 'payments', 'visits']) expect(s).toMatch(new RegExp(`\\n  ${family} +\\d+ `));
    expect(day.outages.filter((o) => o.what.startsWith('coverage gap'))).toHaveLength(3);
    expect(day.bytesToHq.wire).toBeGreaterThan(0);
    expect(day.tally.ticketsTaken).toBe(day.plan.counts.tickets);
  });
});
