// vim/cmd/logbook/add: the van's logbook. Staff and crews note what happened
// (a generator fault, a road closed, a stop cut short) as a durable record that
// reaches HQ like every other. It is the spine's proof of the command path.
import { Type, type Static } from '@sinclair/typebox';
import { OneOf } from '../../schema/types.js';
import { CommandPayload, defineCommand } from '../command.js';
import type { Publisher } from '../command-path.js';

export const LogbookAdd = CommandPayload(
  {
    text: Type.String({ minLength: 1, maxLength: 2000, description: 'What happened, in the staff member\'s words' }),
    severity: Type.Optional(OneOf(['info', 'warning', 'fault'] as const, { default: 'info' })),
    device: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,32}$', description: 'The device concerned, if any' })),
  },
  'Add an entry to the van logbook',
);

export interface LogbookResult {
  seq: number;
  recordId: string;
  createdAt: string;
  clock: string;
}

export function logbookCommands(events: Publisher) {
  return [
    defineCommand({
      service: 'logbook',
      action: 'add',
      summary: 'Add a logbook entry (journaled, delivered to HQ)',
      roles: ['staff', 'maintenance'],
      payload: LogbookAdd,
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
