import { afterAll, describe, expect, it } from 'vitest';
import { JournalPrintJobStore } from '../../firmware-ts/src/adapters/print-job-store.js';
import { UnknownJobError, type PrintJob } from '../../firmware-ts/src/drivers/printer/jobs.js';
import { openTestStore } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);

const job = (id: string, printer = 'desk'): PrintJob => ({
  id,
  printer,
  title: `sıra fişi ${id}`,
  createdAt: new Date().toISOString(),
  bytes: Buffer.from([0x1b, 0x40, 0x1b, 0x74, 13, 0x80, 0x9e, 0x0a, 0x1d, 0x56, 0x00]),
  copies: 1,
  doneAt: null,
});

describe('print jobs on the journal database', () => {
  it('keeps pending jobs in save order across a reopen, byte for byte, and marks them done', async () => {
    const dir = tempDir();
    let store = await openTestStore(dir);
    let jobs = new JournalPrintJobStore(store);
    await jobs.save(job('j1'));
    await jobs.save(job('j2'));
    await jobs.save(job('k1', 'kiosk'));
    await store.stop(); // a restart: nothing printed yet
    store = await openTestStore(dir);
    jobs = new JournalPrintJobStore(store);
    const pending = await jobs.pending('desk');
    expect(pending.map((j) => j.id)).toEqual(['j1', 'j2']);
    expect(pending[0]!.bytes.equals(job('x').bytes)).toBe(true);
    expect(pending[0]!.title).toBe('sıra fişi j1');
    await jobs.markDone('j1', '2026-11-28T10:00:00.000Z');
    expect((await jobs.pending('desk')).map((j) => j.id)).toEqual(['j2']);
    expect((await jobs.get('j1'))?.doneAt).toBe('2026-11-28T10:00:00.000Z');
    await expect(jobs.markDone('nope', 'x')).rejects.toBeInstanceOf(UnknownJobError);
    // The journal has an audit record per job, without the bytes.
    const audit = store.journal.list(0, 10).filter((r) => r.type === 'print.job');
    expect(audit.map((r) => (r.payload as { jobId: string }).jobId)).toEqual(['j1', 'j2', 'k1']);
    expect(JSON.stringify(audit[0]!.payload)).not.toContain('bytes":{');
    await store.stop();
  });

  it('refuses a duplicate job id and writes nothing for it', async () => {
    const store = await openTestStore();
    const jobs = new JournalPrintJobStore(store);
    await jobs.save(job('d1'));
    await expect(jobs.save(job('d1'))).rejects.toThrow(/UNIQUE/);
    expect(store.journal.list(0, 10).filter((r) => r.type === 'print.job')).toHaveLength(1);
    await store.stop();
  });
});
