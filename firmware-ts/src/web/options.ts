// The web pages' configuration (`web` once config/schema.ts composes it): where the
// now-serving page (the HDMI screen in the van's window) and the ticket status page
// (a citizen's phone on the van Wi-Fi, via the ticket's QR code) are served.
import { Type, type Static } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { Strict } from '../schema/types.js';

export const WebOptionsSchema = Strict(
  {
    enabled: Type.Boolean({ default: true, description: 'Serve the now-serving and ticket status pages' }),
    host: Type.String({
      default: '127.0.0.1',
      minLength: 1,
      description: 'Bind address; the van binds its Wi-Fi address so phones reach the ticket page (the HDMI screen uses the same address)',
    }),
    port: Type.Integer({
      default: 8081,
      minimum: 0,
      maximum: 65535,
      description: 'HTTP port; 8081 because ports below 1024 need root and 8080 is the MQTT WebSocket listener',
    }),
    maxClients: Type.Integer({
      default: 64,
      minimum: 1,
      maximum: 1024,
      description: 'Live (SSE) clients at once: the window screen plus citizens\' phones; more get 503 and retry',
    }),
    heartbeatMs: Type.Integer({
      default: 15_000,
      minimum: 1000,
      maximum: 120_000,
      description: 'A ping on every live stream this often, so proxies keep it open and pages notice a dead link',
    }),
    retryMs: Type.Integer({
      default: 2000,
      minimum: 500,
      maximum: 60_000,
      description: 'Reconnect delay the live stream asks browsers to use (SSE retry:)',
    }),
  },
  { description: 'Web pages: now serving (HDMI screen) and ticket status (QR code on the ticket)' },
);

export type WebOptions = Static<typeof WebOptionsSchema>;

export interface WebServerDeps {
  log: Logger;
  /** Shown in the page header, e.g. "VİM aracı". */
  vehicleName: string;
}
