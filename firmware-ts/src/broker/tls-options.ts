// The broker's TLS listener options, and the config rule they need: a listener that
// requires client certificates must name the CA that signs them.
import { readFileSync } from 'node:fs';
import type { TlsOptions } from 'node:tls';
import type { Config } from '../config/schema.js';

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
  return [];
}
