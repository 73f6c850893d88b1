// The paper and cover cycle every status protocol must drive the same way (ESC/POS DLE EOT in
// printer-driver.test.ts, Star's ASB in printer-star.test.ts): near end prints, paper out and
// cover open hold jobs without sending a byte, offline holds them, and back to ready prints
// the held jobs in order.
import { expect } from 'vitest';
import type { MemoryPrintJobStore } from '../../firmware-ts/src/drivers/printer/jobs.js';
import type { PrinterDriver } from '../../firmware-ts/src/drivers/printer/printer-driver.js';
import type { PrintDocument } from '../../firmware-ts/src/drivers/printer/render.js';
import type { PrinterSim } from '../../devices/printer-sim/printer-sim.js';

export async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const makbuzNo = (text: string): string | undefined => /Makbuz no (\d+)/.exec(text)?.[1];

/** Runs the cycle on a started driver whose simulator is ready; `doc(n)` must print "Makbuz no n". */
export async function expectPaperCoverOfflineCycle(o: { sim: PrinterSim; driver: PrinterDriver; jobs: MemoryPrintJobStore; doc: (n: number) => PrintDocument }): Promise<void> {
  const { sim, driver, jobs, doc } = o;
  sim.setPaper('near-end');
  await until('near end', () => driver.status().state === 'paper-near-end');
  expect(driver.health().state).toBe('degraded');
  await driver.print(doc(1));
  await until('printed on near end', () => sim.documents.length === 1);

  sim.setPaper('out');
  await until('paper out', () => driver.status().state === 'paper-out');
  expect(driver.health()).toMatchObject({ state: 'failed', detail: expect.stringContaining('paper end') });
  await driver.print(doc(2));
  sim.setCover(true);
  await until('cover open', () => driver.status().state === 'cover-open');
  await driver.print(doc(3));
  await new Promise((r) => setTimeout(r, 150));
  expect(sim.documents).toHaveLength(1);
  expect(sim.heldCommands).toBe(0); // nothing was sent to a printer that could not print

  sim.setCover(false);
  sim.setPaper('ok');
  sim.setOffline(true);
  await until('offline', () => driver.status().state === 'offline');
  sim.setOffline(false);
  await until('ready and drained', async () => driver.status().state === 'ready' && (await jobs.pending(driver.name)).length === 0 && sim.documents.length === 3);
  expect(sim.documents.map((d) => makbuzNo(d.text))).toEqual(['1', '2', '3']);
}
