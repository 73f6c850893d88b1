// vim/cmd/logbook/add: the van's logbook. Staff and crews note what happened
// (a generator fault, a road closed, a stop cut short) as a durable record that
// reaches HQ like every other. It is the spine's proof of the command path.
import { Type, type Static } from '@sinclair/typebox';
import { OneOf } from '../../schema/types.js';
import { CommandPayload, defineCommand } from '../command.js';
import type { Publisher } from '../command-path.js';
import type { EventDefinition } from '../event.js';

export const LogbookAdd = CommandPayload(
  {
    text: Type.String({ minLength: 1, maxLength: 2000, description: 'What happened, in the staff member\'s words' }),
    severity: Type.Optional(OneOf(['info', 'warning', 'fault'] as const, { default: 'info' })),
    device: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,32}$', description: 'The device concerned, if any' })),
  },
  'Add an entry to the van logbook',
);

export const LogbookResult = Type.Object({
  seq: Type.Integer({ minimum: 1, description: 'Journal sequence number' }),
  recordId: Type.String({ description: 'Journal record id; HQ deduplicates by it' }),
  createdAt: Type.String({ description: 'ISO time the record was written' }),
  clock: OneOf(['ntp', 'gnss', 'unsynced'] as const, { description: 'How far createdAt can be trusted' }),
});
export type LogbookResult = Static<typeof LogbookResult>;

export const LogbookAdded = Type.Object(
  {
    seq: Type.Integer({ minimum: 1, description: 'Journal sequence number of the new entry' }),
    by: Type.String({ description: 'Username of the author' }),
  },
  { additionalProperties: false, description: 'A logbook entry was committed (QoS 0, best effort; the record reaches HQ through the outbox)' },
);

export const logbookEvents: readonly EventDefinition[] = [
  { topic: 'vim/event/logbook/added', summary: 'A logbook entry was added', payload: LogbookAdded, examples: [{ seq: 42, by: 'ayse' }] },
];

export function logbookCommands(events: Publisher) {
  return [
    defineCommand({
      service: 'logbook',
      action: 'add',
      summary: 'Add a logbook entry (journaled, delivered to HQ)',
      roles: ['staff', 'maintenance'],
      payload: LogbookAdd,
      result: LogbookResult,
      examples: [
        { id: '0b7c3f8e-2d4a-4c1e-9f6a-5e8d7c6b5a49', text: 'Jeneratör arızası, servis çağrıldı', severity: 'fault', device: 'generator' },
        { id: '6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b', text: 'Durak erken kapatıldı: yol çalışması' },
      ],
      handle(ctx, args: Static<typeof LogbookAdd>, tx): LogbookResult {
        const rec = tx.journal.append({
          type: 'logbook.entry',
          class: 'events',
          commandId: ctx.commandId,
          actor: ctx.client.username,
          payload: { text: args.text, severity: args.severity ?? 'info', device: args.device ?? null },
        });
        return { seq: rec.seq, recordId: rec.id, createdAt: rec.createdAt, clock: rec.clock };
      },
      afterCommit(ctx, result: LogbookResult) {
        // QoS 0 and best effort: the record itself is durable and reaches HQ through the outbox.
        events.publish('vim/event/logbook/added', JSON.stringify({ seq: result.seq, by: ctx.client.username }), { qos: 0 }).catch(() => undefined);
      },
    }),
  ];
}
