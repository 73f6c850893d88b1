// The command path's async variant (command.ts `run`): a command that waits for a
// device answers after its own writes; a retry while it runs joins it (one run), a
// retry after it stores its answer is a replay, a different payload under the same id
// is a CONFLICT, a refusal is answered and not stored, and sync commands are unchanged.
import { Type } from '@sinclair/typebox';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CommandPayload, defineAsyncCommand } from '../../firmware-ts/src/api/command.js';
import { CommandPath } from '../../firmware-ts/src/api/command-path.js';
import { logbookCommands } from '../../firmware-ts/src/api/commands/logbook.js';
import { ApiError } from '../../firmware-ts/src/api/errors.js';
import type { ClientInfo } from '../../firmware-ts/src/broker/broker.js';
import type { Store } from '../../firmware-ts/src/store/store.js';
import { openTestStore, silent } from '../helpers/store.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);

const staff: ClientInfo = { clientId: 'ayse@tab1', username: 'ayse', role: 'staff' };
const other: ClientInfo = { clientId: 'mehmet@tab2', username: 'mehmet', role: 'staff' };
const ID = '0190a0b1-0000-7000-8000-0000000000a1';
const TOPIC = 'vim/cmd/slow/work';
const buf = (v: unknown) => Buffer.from(JSON.stringify(v));

let store: Store;
let path: CommandPath;
let runs: number;
let gate: { open: () => void; wait: Promise<void> };

function newGate() {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { open, wait };
}

beforeEach(async () => {
  store = await openTestStore();
  path = new CommandPath(store, silent);
  path.attach({ publish: () => Promise.resolve() });
  runs = 0;
  gate = newGate();
  path.register([
    ...logbookCommands({ publish: () => Promise.resolve() }),
    defineAsyncCommand({
      service: 'slow',
      action: 'work',
      summary: 'waits for a gate, journals in two transactions',
      roles: ['staff'],
      payload: CommandPayload({ n: Type.Integer({ minimum: 0 }) }, 'n'),
      async run(ctx, args, s) {
        if (args.n === 0) throw new ApiError('INVALID_STATE', 'n: zero is refused');
        runs++;
        await s.transact((tx) => tx.journal.append({ type: 'slow.started', class: 'events', payload: { n: args.n }, commandId: ctx.commandId }));
        await gate.wait;
        const r = await s.transact((tx) => tx.journal.append({ type: 'slow.done', class: 'events', payload: { n: args.n }, commandId: ctx.commandId }));
        return { n: args.n, seq: r.seq };
      },
    }),
  ]);
  return () => store.stop();
});

describe('command path: async commands', () => {
  it('answers after run resolves, and a retry while it runs joins the same run', async () => {
    const first = path.execute(staff, TOPIC, buf({ id: ID, n: 7 }));
    await new Promise((r) => setTimeout(r, 20));
    const retry = path.execute(staff, TOPIC, buf({ n: 7, id: ID }));
    gate.open();
    const [a, b] = await Promise.all([first, retry]);
    expect(a).toEqual({ id: ID, ok: true, result: { n: 7, seq: 2 } });
    expect(b).toEqual(a);
    expect(runs).toBe(1);
    expect(store.journal.stats().count).toBe(2);
  });

  it('replays the stored answer after it finished, without running again', async () => {
    gate.open();
    const a = await path.execute(staff, TOPIC, buf({ id: ID, n: 3 }));
    const again = await path.execute(staff, TOPIC, buf({ id: ID, n: 3 }));
    expect(again).toEqual(a);
    expect(runs).toBe(1);
    expect(path.stats).toMatchObject({ ok: 1, replayed: 1 });
  });

  it('answers CONFLICT for the same id with another payload or from another user, while running and after', async () => {
    const first = path.execute(staff, TOPIC, buf({ id: ID, n: 5 }));
    await new Promise((r) => setTimeout(r, 20));
    expect(await path.execute(staff, TOPIC, buf({ id: ID, n: 6 }))).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await path.execute(other, TOPIC, buf({ id: ID, n: 5 }))).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    gate.open();
    await first;
    expect(await path.execute(staff, TOPIC, buf({ id: ID, n: 6 }))).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(runs).toBe(1);
  });

  it('a refusal from run is answered, stores nothing and is not remembered', async () => {
    const a = await path.execute(staff, TOPIC, buf({ id: ID, n: 0 }));
    expect(a).toMatchObject({ id: ID, ok: false, error: { code: 'INVALID_STATE', message: 'n: zero is refused' } });
    expect(store.journal.stats().count).toBe(0);
    expect(store.read((tx) => tx.idempotency.lookup(ID, 'ayse', 'x')).kind).toBe('new');
  });

  it('still validates the payload and the role before running', async () => {
    expect(await path.execute(staff, TOPIC, buf({ id: ID, n: 1.5 }))).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(await path.execute({ ...staff, role: 'kiosk' }, TOPIC, buf({ id: ID, n: 1 }))).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(runs).toBe(0);
  });

  it('sync commands keep working next to async ones', async () => {
    const a = await path.execute(staff, 'vim/cmd/logbook/add', buf({ id: ID, text: 'x' }));
    expect(a).toMatchObject({ ok: true, result: { seq: 1 } });
  });
});
