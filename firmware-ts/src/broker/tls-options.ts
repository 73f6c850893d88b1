// The broker's TLS listener options, the config rules they need (a listener that
// requires client certificates must name the CA that signs them), and the check that
// ties a client certificate to the username it logs in with.
import { readFileSync } from 'node:fs';
import { TLSSocket, type TlsOptions } from 'node:tls';
import type { Config, Role } from '../config/schema.js';

type TlsConfig = NonNullable<Config['broker']['tls']>;

export function tlsServerOptions(t: TlsConfig): TlsOptions {
  const ca = t.caFile ? readFileSync(t.caFile) : undefined;
  return {
    cert: readFileSync(t.certFile),
    key: readFileSync(t.keyFile),
    ...(ca ? { ca } : {}),
    // TLS 1.2 is the floor every tablet OS of the last years speaks; older versions have known breaks.
    minVersion: 'TLSv1.2',
    // With client certificates, the handshake itself refuses a tablet without one signed by `ca`,
    // before a single MQTT byte is read; the password is still checked after it.
    ...(t.requireClientCert ? { requestCert: true, rejectUnauthorized: true } : {}),
  };
}

/** Cross-field rules of `broker` that the JSON Schema cannot express (path-prefixed, like every config error). */
export function brokerConfigErrors(b: Config['broker']): { path: string; message: string }[] {
  if (b.tls?.requireClientCert && !b.tls.caFile) {
    return [{ path: 'broker.tls.caFile', message: 'is required when requireClientCert is true (the CA that signs the tablets\' certificates)' }];
  }
  if (b.tls?.certIsUsername && !b.tls.requireClientCert) {
    return [{ path: 'broker.tls.certIsUsername', message: 'needs requireClientCert: true (without a certificate there is no name to compare)' }];
  }
  return [];
}

/**
 * With `certIsUsername`, why a TLS client may not log in as `username` (null: it may).
 * The handshake has already checked the chain (rejectUnauthorized); this ties the
 * certificate's subject CN (RFC 5280 §4.1.2.6) to the account. Connections on the
 * plain TCP or WebSocket listeners carry no certificate and are not affected.
 */
export function certUsernameMismatch(conn: unknown, username: string): string | null {
  if (!(conn instanceof TLSSocket)) return null;
  const cn = conn.getPeerCertificate().subject?.CN;
  // Node gives a repeated attribute as an array: a certificate naming two users names none.
  if (typeof cn !== 'string') return 'the client certificate has no single subject CN';
  return cn === username ? null : `the client certificate is for "${cn}", not "${username}"`;
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * With client certificates required, why a login over a plain listener (TCP or
 * WebSocket) must be refused (null: allowed). Staff and maintenance accounts carry
 * money and personal data, so off the gateway itself they come in over TLS with a
 * certificate; otherwise the plain port, which shares their passwords, would be a way
 * around it. The kiosk and the display boards, which hold no such data and often
 * cannot present a certificate, may still use the plain listeners on the van's network.
 */
export function plainLoginRefusal(tls: Config['broker']['tls'], conn: unknown, address: string, role: Role): string | null {
  if (!tls?.requireClientCert || conn instanceof TLSSocket || LOOPBACK.test(address)) return null;
  if (role !== 'staff' && role !== 'maintenance') return null;
  return `${role} accounts must connect over TLS with a client certificate (broker.tls.requireClientCert); this connection is plain`;
}
