// `vimgw tablet` without a gateway: arguments read as their schema says, mistakes named
// before any connection, --payload/--id merging, and a listing that covers every
// registered command (whatever commands others add, since it reads allCommands).
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { CommandPayload, defineCommand, topicOf, type CommandDefinition } from '../../firmware-ts/src/api/command.js';
import type { Publisher } from '../../firmware-ts/src/api/command-path.js';
import { allCommands } from '../../firmware-ts/src/api/commands/index.js';
import { clientIdAllowed } from '../../firmware-ts/src/broker/acl.js';
import { UsageError } from '../../firmware-ts/src/cli/output.js';
import { coerceValue, parseTabletArgv, splitArgv, type TabletInvocation } from '../../firmware-ts/src/cli/tablet-args.js';
import { argSpecs, commandCatalog, findCommand } from '../../firmware-ts/src/cli/tablet-catalog.js';
import { catalogJson, exampleArgv, formatCatalog, formatCommandHelp, formatMessage, formatReply } from '../../firmware-ts/src/cli/tablet-format.js';
import { tabletClientId } from '../../firmware-ts/src/cli/tablet.js';
import { OneOf } from '../../firmware-ts/src/schema/types.js';

const catalog = commandCatalog();
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ID = '1a2b3c4d-0000-4000-8000-0000000000aa';

/** A made-up command with every kind of field, so coercion is tested beyond today's commands. */
const probe = defineCommand({
  service: 'probe',
  action: 'all-types',
  summary: 'Every field type',
  roles: ['staff'],
  payload: CommandPayload(
    {
      count: Type.Integer({ minimum: 1, maximum: 9, description: 'How many' }),
      ratio: Type.Optional(Type.Number()),
      urgent: Type.Optional(Type.Boolean()),
      level: Type.Optional(OneOf(['low', 'high'] as const)),
      pick: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)])),
      limit: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
      tags: Type.Optional(Type.Array(Type.String())),
      extra: Type.Optional(Type.Object({ a: Type.Integer() })),
      ticketRef: Type.Optional(Type.String()),
      user: Type.Optional(Type.String({ description: 'Shadowed by --user' })),
    },
    'probe',
  ),
  handle: () => null,
});
const probeCatalog: CommandDefinition[] = [...catalog, probe];

function send(argv: string[], cat: readonly CommandDefinition[] = catalog): Extract<TabletInvocation, { kind: 'send' }> {
  const inv = parseTabletArgv(argv, cat);
  if (inv.kind !== 'send') throw new Error(`expected send, got ${inv.kind}`);
  return inv;
}

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('tablet arguments', () => {
  it('reads each value as the schema type says', () => {
    const p = send(
      ['probe', 'all-types', '--count', '3', '--ratio', '0.5', '--urgent', '--level', 'high', '--pick', '2', '--limit', 'null', '--tags', 'a', '--tags', 'b', '--extra', '{"a":1}', '--ticket-ref', 'A001'],
      probeCatalog,
    ).payload;
    expect(p).toMatchObject({ count: 3, ratio: 0.5, urgent: true, level: 'high', pick: 2, limit: null, tags: ['a', 'b'], extra: { a: 1 }, ticketRef: 'A001' });
    expect(send(['probe', 'all-types', '--count', '1', '--urgent', 'false', '--limit', '7', '--tags', '["x","y"]'], probeCatalog).payload).toMatchObject({
      urgent: false,
      limit: 7,
      tags: ['x', 'y'],
    });
    expect(send(['queue', 'call-next', '--counter', '2']).payload).toMatchObject({ counter: 2 });
    expect(send(['queue', 'take', '--service=A']).payload).toMatchObject({ service: 'A' });
  });

  it('names the field of a value that is not of its type', () => {
    expect(usage(() => send(['queue', 'call-next', '--counter', 'two']))).toContain('--counter: must be an integer (got "two")');
    expect(usage(() => send(['queue', 'call-next', '--counter', '2.5']))).toContain('--counter: must be an integer');
    expect(usage(() => send(['probe', 'all-types', '--count', '1', '--ratio', 'abc'], probeCatalog))).toContain('--ratio: must be a number');
    expect(usage(() => send(['probe', 'all-types', '--count', '1', '--urgent', 'maybe'], probeCatalog))).toContain('--urgent: must be a boolean');
    expect(usage(() => send(['probe', 'all-types', '--count', '1', '--level', 'mid'], probeCatalog))).toContain('--level: must be one of low, high (got "mid")');
    expect(usage(() => send(['probe', 'all-types', '--count', '1', '--pick', '3'], probeCatalog))).toContain('--pick: must be one of 1, 2');
    expect(usage(() => send(['probe', 'all-types', '--count', '1', '--extra', '[1]'], probeCatalog))).toContain('--extra: must be a JSON object');
    expect(usage(() => send(['queue', 'call-next', '--counter']))).toContain('--counter: needs a value');
  });

  it('checks the assembled payload with the gateway schema, in the gateway words', () => {
    expect(usage(() => send(['queue', 'call-next', '--counter', '100']))).toContain('queue call-next: counter: must be <= 99');
    expect(usage(() => send(['queue', 'take', '--service', 'ABC']))).toContain('service: must NOT have more than 2 characters');
    expect(usage(() => send(['probe', 'all-types', '--count', '1', '--extra', '{"a":"x"}'], probeCatalog))).toContain('extra.a: must be integer');
  });

  it('names a missing required field and an unknown one', () => {
    expect(usage(() => send(['queue', 'take']))).toContain('queue take: service: is required');
    const unknown = usage(() => send(['queue', 'take', '--service', 'A', '--sevice', 'B']));
    expect(unknown).toContain('--sevice: is not an argument of this command');
    expect(unknown).toContain('--service');
    expect(usage(() => send(['queue', 'take', '--service', 'A', '--service', 'B']))).toContain('--service: given twice');
    expect(usage(() => send(['queue', 'take', '--service', 'A', 'extra']))).toContain('unexpected "extra"');
  });

  it('names an unknown service or action and lists the known ones', () => {
    expect(usage(() => parseTabletArgv(['qeueu', 'take'], catalog))).toMatch(/no service "qeueu" \(services: .*queue/);
    expect(usage(() => parseTabletArgv(['queue', 'tkae'], catalog))).toMatch(/no action "tkae" \(.*take/);
    expect(usage(() => parseTabletArgv(['queue'], catalog))).toContain('an action is required');
  });

  it('merges --payload under the arguments and takes the id from --id, the payload, or a fresh UUID v4', () => {
    const merged = send(['logbook', 'add', '--payload', '{"text":"from payload","severity":"fault"}', '--severity', 'warning']).payload;
    expect(merged).toMatchObject({ text: 'from payload', severity: 'warning' });
    expect(merged.id).toMatch(UUID_V4);
    expect(send(['queue', 'take', '--service', 'A']).payload.id).not.toBe(send(['queue', 'take', '--service', 'A']).payload.id);
    expect(send(['queue', 'take', '--service', 'A', '--id', ID]).payload.id).toBe(ID);
    const other = '1a2b3c4d-0000-4000-8000-0000000000bb';
    expect(send(['queue', 'take', '--payload', JSON.stringify({ id: other, service: 'A' })]).payload.id).toBe(other);
    expect(send(['queue', 'take', '--payload', JSON.stringify({ id: other, service: 'A' }), '--id', ID]).payload.id).toBe(ID);
    // A field that shares its name with a client option still reaches the payload through --payload.
    expect(send(['probe', 'all-types', '--count', '1', '--user', 'kiosk1', '--payload', '{"user":"x"}'], probeCatalog)).toMatchObject({
      opts: { user: 'kiosk1' },
      payload: { user: 'x' },
    });
  });

  it('refuses a bad --payload or --id before connecting', () => {
    expect(usage(() => send(['queue', 'take', '--payload', '{bad']))).toContain('--payload: is not valid JSON');
    expect(usage(() => send(['queue', 'take', '--payload', '[1]']))).toContain('--payload: must be a JSON object');
    expect(usage(() => send(['queue', 'take', '--payload', '{"service":"A","colour":"red"}']))).toContain('colour: is not a known field');
    expect(usage(() => send(['queue', 'take', '--service', 'A', '--id', 'nope']))).toMatch(/queue take: id: must match/);
  });

  it('reads client options around the command, and checks them', () => {
    const s = send(['--url', 'mqtt://van:1883', 'queue', 'take', '--json', '--service', 'A', '--user', 'kiosk1', '--timeout', '2.5']);
    expect(s.opts).toEqual({ url: 'mqtt://van:1883', user: 'kiosk1', json: true, timeoutS: 2.5 });
    expect(send(['queue', 'take', '--service', 'A']).opts).toEqual({ url: 'mqtt://127.0.0.1:1883', user: 'bakim', json: false, timeoutS: 10 });
    expect(usage(() => send(['queue', 'take', '--service', 'A', '--timeout', '0']))).toContain('--timeout: must be a positive number');
    expect(parseTabletArgv(['queue', 'take', '--help'], catalog)).toMatchObject({ kind: 'command-help' });
    expect(parseTabletArgv([], catalog)).toEqual({ kind: 'help', usage: true });
    expect(parseTabletArgv(['--help'], catalog)).toEqual({ kind: 'help', usage: false });
  });

  it('parses watch topics and --count', () => {
    expect(parseTabletArgv(['watch'], catalog)).toMatchObject({ kind: 'watch', topics: ['vim/state/queue', 'vim/event/#'], count: null });
    expect(parseTabletArgv(['watch', 'vim/state/+', '--count', '2', '--json'], catalog)).toMatchObject({ topics: ['vim/state/+'], count: 2, opts: { json: true } });
    expect(usage(() => parseTabletArgv(['watch', '--count', '0'], catalog))).toContain('--count: must be a positive integer');
    expect(usage(() => parseTabletArgv(['watch', 'vim/#/x'], catalog))).toContain('not a valid MQTT topic filter');
    expect(usage(() => parseTabletArgv(['watch', '--service', 'A'], catalog))).toContain('unknown option --service');
  });

  it('splits argv: booleans take no value, -- ends the options, = attaches one', () => {
    expect(splitArgv(['--json', 'queue', '--n', '-5', '--x=--y', '--flag', '--', '--z'])).toEqual({
      positionals: ['queue', '--z'],
      options: [
        { name: 'json', value: true },
        { name: 'n', value: '-5' },
        { name: 'x', value: '--y' },
        { name: 'flag', value: true },
      ],
    });
    expect(() => coerceValue(true, { type: 'string' })).toThrow('needs a value');
  });

  it('sends every schema example of every command as the same payload', () => {
    for (const def of catalog) {
      for (const ex of def.examples ?? []) {
        const { id: _id, ...fields } = ex as Record<string, unknown>;
        expect(send(exampleArgv(def, ex)).payload, topicOf(def)).toMatchObject(fields);
      }
    }
  });
});

describe('tablet list', () => {
  const noop: Publisher = { publish: () => Promise.resolve() };
  const registered = allCommands(noop);

  it('is the registered command list', () => {
    expect(catalog.map(topicOf)).toEqual(registered.map(topicOf));
    expect(registered.length).toBeGreaterThanOrEqual(7);
  });

  it('shows every command with its topic, summary, roles and every argument', () => {
    const text = formatCatalog(catalog);
    for (const def of registered) {
      expect(text).toContain(topicOf(def));
      expect(text).toContain(def.summary);
      expect(text).toContain(`roles ${def.roles.join(', ')}`);
      for (const name of Object.keys((def.payload as unknown as { properties: object }).properties)) {
        if (name !== 'id') expect(text, `${topicOf(def)} ${name}`).toMatch(new RegExp(`(--|\\()${name}\\b`));
      }
    }
  });

  it('gives each argument its type, required flag and description in --json', () => {
    const json = catalogJson(catalog);
    expect(json.map((c) => c.topic)).toEqual(registered.map(topicOf));
    for (const [i, def] of registered.entries()) {
      const schema = def.payload as unknown as { properties: Record<string, { description?: string }>; required?: string[] };
      const names = Object.keys(schema.properties).filter((n) => n !== 'id');
      expect(json[i]!.args.map((a) => a.name)).toEqual(names);
      for (const a of json[i]!.args) {
        expect(a.required).toBe((schema.required ?? []).includes(a.name));
        expect(a.description).toBe(schema.properties[a.name]!.description ?? null);
        expect(a.type).not.toBe('any');
      }
    }
    const take = json.find((c) => c.topic === 'vim/cmd/queue/take')!;
    expect(take.args.find((a) => a.name === 'service')).toMatchObject({ type: 'string', required: true, limits: ['length 1..2'] });
    expect(JSON.parse(JSON.stringify(json))).toHaveLength(registered.length);
  });

  it('describes enums, defaults and shadowed fields', () => {
    const add = argSpecs(findCommand(catalog, 'logbook', 'add')!);
    expect(add.find((a) => a.name === 'severity')).toMatchObject({ enum: ['info', 'warning', 'fault'], default: 'info', required: false });
    const help = formatCommandHelp(probe);
    expect(help).toContain('--count  ');
    expect(help).toContain('(user)');
    expect(help).toContain('set it with --payload');
    expect(help).toContain('low|high');
  });
});

describe('tablet output', () => {
  it('prints ok with the result fields aligned, or the error code and message', () => {
    const ok = formatReply({ id: ID, ok: true, result: { ticket: 'A001', estimatedWaitMs: null } });
    expect(ok.split('\n')).toEqual(['ok', '  ticket           A001', '  estimatedWaitMs  null']);
    const err = formatReply({ id: ID, ok: false, error: { code: 'COUNTER_CLOSED', message: 'counter 1 (Gişe 1) is closed', details: { counter: 1 } } });
    expect(err.split('\n')).toEqual(['error COUNTER_CLOSED: counter 1 (Gişe 1) is closed', '  counter  1']);
  });

  it('prints a watched message with its time and topic', () => {
    const at = new Date('2026-05-04T10:00:00.000Z');
    expect(formatMessage(at, 'vim/event/queue/called', Buffer.from('{"ticket": "A001"}'), false, false)).toBe('2026-05-04T10:00:00.000Z  vim/event/queue/called  {"ticket":"A001"}');
    expect(JSON.parse(formatMessage(at, 'vim/state/queue', Buffer.from('{"a":1}'), true, true))).toEqual({ at: at.toISOString(), topic: 'vim/state/queue', retained: true, payload: { a: 1 } });
    expect(formatMessage(at, 'x', Buffer.from('plain'), false, false)).toBe('2026-05-04T10:00:00.000Z  x  plain');
  });

  it('connects with a client id the broker ties to the user', () => {
    for (const u of ['ayse', 'kiosk1', 'bakim']) {
      const id = tabletClientId(u);
      expect(clientIdAllowed(u, id), id).toBe(true);
      expect(id).not.toBe(tabletClientId(u));
    }
  });
});
