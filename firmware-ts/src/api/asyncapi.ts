// docs/asyncapi.yaml (AsyncAPI 3.0), generated from the schemas themselves: each
// command's TypeBox payload (already JSON Schema), the reply envelope of
// command-path.ts with the codes of errors.ts, the state schemas and the events.
// Who may send or receive what comes from the command's roles and broker/acl.ts,
// the rules the broker enforces, so the document cannot promise more than they allow.
// Output is deterministic (no dates, insertion-ordered keys) for the staleness test.
import type { TSchema } from '@sinclair/typebox';
import { canPublish, canSubscribe } from '../broker/acl.js';
import { ROLES, type Role } from '../config/schema.js';
import { VERSION } from '../version.js';
import { topicOf, type CommandDefinition } from './command.js';
import { ALL_EVENTS } from './commands/index.js';
import { API_ERROR_CODES } from './errors.js';
import type { EventDefinition } from './event.js';
import { DeviceState, GatewayState, GnssStateSchema, ModemStateSchema } from './state-schemas.js';
import { VisitStateSchema } from '../services/visits/state.js';
import { SyncStateSchema } from '../sync/state-schema.js';
import { toYaml } from './yaml.js';

type Json = Record<string, unknown>;

/** TypeBox marks schemas with Symbol keys; a JSON round trip leaves plain JSON Schema. */
export function jsonSchema(s: TSchema): Json {
  return JSON.parse(JSON.stringify(s)) as Json;
}

const ref = (path: string) => ({ $ref: `#/${path}` });
const SAMPLE_CLIENT = 'x'; // any client id: ACL patterns only differ by {clientId}

/** Roles the broker lets subscribe to `filter` (a topic or a `+` filter). */
function readers(filter: string): Role[] {
  return ROLES.filter((r) => canSubscribe(r, SAMPLE_CLIENT, filter.replace('{clientId}', SAMPLE_CLIENT)));
}

/** Roles that both the command path and the broker's ACL let send a command. */
export function senders(def: CommandDefinition): Role[] {
  return def.roles.filter((r) => canPublish(r, SAMPLE_CLIENT, topicOf(def)));
}

const rolesText = (roles: readonly Role[]) => (roles.length ? `Roles: ${roles.join(', ')}.` : 'No role may do this today.');

export const ErrorReply = {
  type: 'object',
  description: 'The command was refused or failed; nothing was changed',
  required: ['id', 'ok', 'error'],
  additionalProperties: false,
  properties: {
    id: { type: ['string', 'null'], description: "The command's id; null when it could not be read" },
    ok: { const: false },
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', enum: [...API_ERROR_CODES] },
        message: { type: 'string', description: 'Names the field first: "text: must NOT have fewer than 1 characters"' },
        details: { type: 'object', description: 'Machine-readable context: field, errors, role, known topics, limits' },
      },
    },
  },
};

function okReply(def: CommandDefinition): Json {
  return {
    type: 'object',
    description: 'The command is durable (committed to the journal) and this is its result',
    required: ['id', 'ok', 'result'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', description: "The command's id" },
      ok: { const: true },
      result: def.result ? jsonSchema(def.result) : {},
    },
  };
}

const ERROR_EXAMPLE = {
  name: 'invalid',
  payload: {
    id: '0b7c3f8e-2d4a-4c1e-9f6a-5e8d7c6b5a49',
    ok: false,
    error: { code: 'INVALID_PAYLOAD', message: 'text: must NOT have fewer than 1 characters', details: { errors: [{ path: 'text', message: 'must NOT have fewer than 1 characters' }] } },
  },
};

const examples = (list: readonly unknown[] | undefined) => (list ?? []).map((payload, i) => ({ name: `example-${i + 1}`, payload }));

interface StateChannel {
  id: string;
  address: string;
  schema: TSchema;
  summary: string;
  qos: 0 | 1;
  parameters?: Json;
}

const STATES: StateChannel[] = [
  { id: 'state.gateway', address: 'vim/state/gateway', schema: GatewayState, summary: "The gateway's health", qos: 1 },
  { id: 'state.gnss', address: 'vim/state/gnss', schema: GnssStateSchema, summary: 'Position and GNSS fix', qos: 0 },
  { id: 'state.modem', address: 'vim/state/modem', schema: ModemStateSchema, summary: 'The LTE modem', qos: 0 },
  { id: 'state.visit', address: 'vim/state/visit', schema: VisitStateSchema, summary: "Stop visits and today's plan", qos: 1 },
  { id: 'state.sync', address: 'vim/state/sync', schema: SyncStateSchema, summary: 'Store-and-forward to HQ: backlog, link, STORE_FULL alarm', qos: 1 },
  {
    id: 'state.device',
    address: 'vim/state/device/{name}',
    schema: DeviceState,
    summary: "One device's health",
    qos: 1,
    parameters: { name: { description: 'Device name: gnss, modem, a printer name, display, terminal, gpio' } },
  },
];

const eventId = (e: EventDefinition) => e.topic.replace(/^vim\//, '').replace(/\//g, '.');
const cmdId = (d: CommandDefinition) => `${d.service}.${d.action}`;

/** The AsyncAPI document as a JSON value (exported for the test). */
export function asyncApiDocument(commands: readonly CommandDefinition[], events: readonly EventDefinition[] = ALL_EVENTS): Json {
  const channels: Json = {};
  const operations: Json = {};
  const messages: Json = {};
  const replyMessages: Json = {};

  for (const def of commands) {
    const id = cmdId(def);
    const roles = senders(def);
    messages[id] = {
      name: id,
      title: topicOf(def),
      summary: def.summary,
      contentType: 'application/json',
      payload: jsonSchema(def.payload),
      examples: examples(def.examples),
    };
    messages[`${id}.reply`] = {
      name: `${id}.reply`,
      summary: `Answer to ${topicOf(def)}`,
      contentType: 'application/json',
      payload: { oneOf: [okReply(def), ref('components/schemas/ErrorReply')] },
    };
    replyMessages[`${id}.reply`] = ref(`components/messages/${id}.reply`);
    channels[`cmd.${id}`] = { address: topicOf(def), messages: { [id]: ref(`components/messages/${id}`) } };
    operations[`send.${id}`] = {
      action: 'send',
      channel: ref(`channels/cmd.${id}`),
      summary: def.summary,
      description: `Publish with QoS 1 and a fresh UUID as id; a retry reuses the id and gets the first answer back. ${rolesText(roles)}`,
      'x-roles': roles,
      bindings: { mqtt: { qos: 1 } },
      messages: [ref(`channels/cmd.${id}/messages/${id}`)],
      reply: { channel: ref('channels/reply'), messages: [ref(`channels/reply/messages/${id}.reply`)] },
    };
  }

  messages.error = { name: 'error', summary: 'A refusal that belongs to no known command', contentType: 'application/json', payload: ref('components/schemas/ErrorReply'), examples: [ERROR_EXAMPLE] };
  replyMessages.error = ref('components/messages/error');
  channels.reply = {
    address: 'vim/reply/{clientId}',
    description: 'Answers to this client\'s commands only (MQTT 3.1.1 has no response topics). Sent with QoS 0: a lost reply is recovered by retrying the same id.',
    parameters: { clientId: { description: 'The MQTT client id: `<username>` or `<username>@<device>`' } },
    messages: replyMessages,
  };
  operations['receive.reply'] = receive('reply', Object.keys(replyMessages), 'Replies to my commands', readers('vim/reply/{clientId}'), { qos: 0 });

  for (const s of STATES) {
    messages[s.id] = { name: s.id, summary: s.summary, contentType: 'application/json', payload: jsonSchema(s.schema) };
    channels[s.id] = { address: s.address, description: `${s.summary}. Retained.`, ...(s.parameters ? { parameters: s.parameters } : {}), messages: { [s.id]: ref(`components/messages/${s.id}`) } };
    operations[`receive.${s.id}`] = receive(s.id, [s.id], s.summary, readers(s.address.replace('{name}', '+')), { qos: s.qos, retain: true });
  }

  for (const e of events) {
    const id = eventId(e);
    messages[id] = { name: id, summary: e.summary, contentType: 'application/json', payload: jsonSchema(e.payload), examples: examples(e.examples) };
    channels[id] = { address: e.topic, messages: { [id]: ref(`components/messages/${id}`) } };
    operations[`receive.${id}`] = receive(id, [id], e.summary, readers(e.topic), { qos: 0 });
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'VİM gateway MQTT API',
      version: VERSION,
      description: [
        "The MQTT API of the gateway in İnegöl Municipality's citizen-service van (docs: DESIGN.md \"MQTT API\").",
        'Generated by scripts/gen-asyncapi.ts from the payload schemas; do not edit by hand (npm run docs:asyncapi).',
        "Operations are written from a client's (tablet's) point of view: it sends commands and receives replies, state and events.",
        'Every client logs in with a username and password (anonymous clients are refused); its role decides what it may publish and subscribe to.',
      ].join(' '),
    },
    defaultContentType: 'application/json',
    servers: {
      demo: { host: '127.0.0.1:1883', protocol: 'mqtt', description: 'The simulated bench (config/default.json)', security: [ref('components/securitySchemes/login')] },
      van: { host: '10.42.0.1:8883', protocol: 'mqtts', description: "The van's Wi-Fi, TLS (config/pi.example.json)", security: [ref('components/securitySchemes/login')] },
      ws: { host: '127.0.0.1:8080', protocol: 'ws', description: 'MQTT over WebSocket, any path (config/default.json)', security: [ref('components/securitySchemes/login')] },
    },
    channels,
    operations,
    components: {
      securitySchemes: { login: { type: 'userPassword', description: 'Broker username and password (stored as scrypt hashes)' } },
      schemas: { ErrorReply },
      messages,
    },
  };
}

function receive(channelId: string, messageIds: string[], summary: string, roles: Role[], mqtt: { qos: 0 | 1; retain?: boolean }): Json {
  return {
    action: 'receive',
    channel: ref(`channels/${channelId}`),
    summary,
    description: rolesText(roles),
    'x-roles': roles,
    bindings: { mqtt },
    messages: messageIds.map((m) => ref(`channels/${channelId}/messages/${m}`)),
  };
}

/** The whole of docs/asyncapi.yaml. */
export function renderAsyncApi(commands: readonly CommandDefinition[], events: readonly EventDefinition[] = ALL_EVENTS): string {
  return `# Generated by scripts/gen-asyncapi.ts; do not edit. test/unit/asyncapi.test.ts fails when it is stale.\n${toYaml(asyncApiDocument(commands, events))}`;
}
