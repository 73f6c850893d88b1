// How the push connects to the HQ broker: mqtt.js options from the config, and the
// reasons a connection fails, worded for the crew (vim/state/sync, health, the CLI).
import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { PushOptions } from '../options.js';

export type FailureKind = 'refused' | 'unreachable' | 'timeout' | 'credentials' | 'not-authorized' | 'tls' | 'protocol' | 'config' | 'closed';

export interface PushFailure {
  kind: FailureKind;
  message: string;
  at: string;
}

/**
 * mqtt.js options for one connection attempt. A new client per attempt, with its own
 * reconnect off: the outbox, not mqtt.js's in-memory store, is what gets resent.
 * Throws (kind "config") when a certificate file cannot be read.
 */
export function clientOptions(o: PushOptions, clientId: string): IClientOptions {
  const read = (what: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw Object.assign(new Error(`cannot read sync.push.${what} ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`), { kind: 'config' });
    }
  };
  return {
    clientId,
    // MQTT 3.1.1: HQ may run any broker; properties and response topics are not needed.
    protocolVersion: 4,
    // Clean session (MQTT-3.1.2-6): the broker keeps no session for us; the outbox is our session.
    clean: true,
    keepalive: o.keepaliveS,
    connectTimeout: o.connectTimeoutS * 1000,
    reconnectPeriod: 0,
    // Nothing is queued inside mqtt.js while offline: we publish only when connected.
    queueQoSZero: false,
    resubscribe: false,
    ...(o.username === undefined ? {} : { username: o.username }),
    ...(o.password === undefined ? {} : { password: o.password }),
    ...(o.caFile ? { ca: read('caFile', o.caFile) } : {}),
    ...(o.certFile ? { cert: read('certFile', o.certFile) } : {}),
    ...(o.keyFile ? { key: read('keyFile', o.keyFile) } : {}),
    ...(o.serverName ? { servername: o.serverName } : {}),
    rejectUnauthorized: true,
  };
}

/** CONNACK return codes of MQTT 3.1.1 (section 3.2.2.3). */
const CONNACK: Record<number, [FailureKind, string]> = {
  1: ['protocol', 'HQ broker refused the protocol version (CONNACK 1)'],
  2: ['not-authorized', 'HQ broker rejected the client id (CONNACK 2)'],
  3: ['unreachable', 'HQ broker is unavailable (CONNACK 3)'],
  4: ['credentials', 'HQ broker refused the user name or password (CONNACK 4)'],
  5: ['not-authorized', 'HQ broker says not authorized (CONNACK 5)'],
};

const TLS_CODES = /^(UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|CERT_|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH|ERR_OSSL)/;
/**
 * Alerts the broker sends about *our* certificate (RFC 8446 section 6.2: certificate_required
 * 116, unknown_ca 48, bad_certificate 42, ...). Under TLS 1.3 the client's certificate goes
 * after the server's Finished, so the refusal of a missing or untrusted client certificate
 * arrives as one of these alerts on the first read, not as a verification error of ours.
 */
const CLIENT_CERT_ALERT = /ALERT_(CERTIFICATE_REQUIRED|UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED)$/;

/** OpenSSL's "<pid>:error:<code>:<lib>:<func>:<reason>:<file>:<line>:..." down to the reason. */
function opensslReason(message: string): string {
  return /:error:[0-9A-Fa-f]+:[^:]*:[^:]*:([^:]+):/.exec(message)?.[1] ?? message.trim();
}

/** What the attempt was, for hints: a plaintext URL reset before CONNACK is most likely a TLS port. */
export interface AttemptContext {
  url?: string;
  connected?: boolean;
}

export function classifyFailure(e: unknown, now = new Date(), ctx: AttemptContext = {}): PushFailure {
  const err = e as { code?: unknown; message?: unknown; kind?: unknown };
  const code = err?.code;
  const message = typeof err?.message === 'string' ? err.message : String(e);
  const at = now.toISOString();
  if (err?.kind === 'config') return { kind: 'config', message, at };
  if (typeof code === 'number' && CONNACK[code]) return { kind: CONNACK[code][0], message: CONNACK[code][1], at };
  if (typeof code === 'string') {
    if (code === 'ECONNREFUSED') return { kind: 'refused', message: 'HQ broker refused the connection (ECONNREFUSED)', at };
    if (code === 'ETIMEDOUT') return { kind: 'timeout', message: 'connecting to the HQ broker timed out (ETIMEDOUT)', at };
    if (code === 'ECONNRESET' && ctx.connected === false && ctx.url !== undefined && /^(mqtt|tcp):/.test(ctx.url)) {
      return { kind: 'unreachable', message: 'HQ broker reset the connection before CONNACK (ECONNRESET); if that port speaks TLS, use an mqtts:// URL', at };
    }
    if (['EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE'].includes(code)) {
      return { kind: 'unreachable', message: `HQ broker unreachable (${code})`, at };
    }
    if (CLIENT_CERT_ALERT.test(code)) {
      return { kind: 'tls', message: `TLS: HQ broker refused our client certificate (${opensslReason(message)}); check sync.push.certFile and keyFile, and that HQ trusts their CA`, at };
    }
    if (TLS_CODES.test(code)) return { kind: 'tls', message: `TLS: HQ broker's certificate does not verify (${code}: ${opensslReason(message)})`, at };
  }
  if (/connack timeout|timed out/i.test(message)) return { kind: 'timeout', message: `no CONNACK from the HQ broker (${message})`, at };
  if (/ssl|tls|certificate/i.test(message)) return { kind: 'tls', message: `TLS: ${message}`, at };
  return { kind: 'closed', message, at };
}
