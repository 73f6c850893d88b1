// Transport URIs (DESIGN.md "Contracts"): serial:///dev/vim-gnss?baud=9600,
// tcp://10.0.0.5:20007, file:///dev/usb/lp0, sim://gnss. Bad URIs name the part
// that is wrong, like every other boundary.

export type TransportTarget =
  | { kind: 'serial'; path: string; baud: number; line: SerialLine }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'file'; path: string; read: boolean }
  | { kind: 'sim'; name: string; params: Record<string, string> };

/** Character framing on a serial line; 8N1 unless the device needs otherwise (ZVT: 8N2, PA00P016 §2.1). */
export interface SerialLine {
  dataBits: 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
}

export const DEFAULT_LINE: SerialLine = { dataBits: 8, parity: 'none', stopBits: 1 };

export const SERIAL_BAUDS = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600] as const;

export class TransportUriError extends Error {
  constructor(
    readonly uri: string,
    readonly field: string,
    reason: string,
  ) {
    super(`${uri}: ${field}: ${reason}`);
    this.name = 'TransportUriError';
  }
}

/**
 * A path's %XX escapes (RFC 3986 §2.1). WHATWG URL leaves a stray "%" as it is, so
 * decodeURIComponent throws URIError on e.g. serial:///%ev/vim-gnss (found by the 1,000,000-input
 * config fuzz); that is a bad path, not a crash.
 */
function decodePath(uri: string, pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    throw new TransportUriError(uri, 'path', 'has a "%" that is not a %XX escape');
  }
}

export function parseTransportUri(uri: string, defaults: { baud?: number; line?: Partial<SerialLine> } = {}): TransportTarget {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    throw new TransportUriError(uri, 'uri', 'is not a URI (expected serial://, tcp://, file:// or sim://)');
  }
  const params = Object.fromEntries(u.searchParams.entries());
  switch (u.protocol) {
    case 'serial:': {
      const path = decodePath(uri, u.pathname);
      if (!path.startsWith('/') || path === '/') throw new TransportUriError(uri, 'path', 'must be an absolute device path, e.g. serial:///dev/vim-gnss');
      const baud = params.baud !== undefined ? Number(params.baud) : (defaults.baud ?? 9600);
      if (!(SERIAL_BAUDS as readonly number[]).includes(baud)) throw new TransportUriError(uri, 'baud', `must be one of ${SERIAL_BAUDS.join(', ')}`);
      const line: SerialLine = { ...DEFAULT_LINE, ...defaults.line };
      if (params.dataBits !== undefined) {
        if (params.dataBits !== '7' && params.dataBits !== '8') throw new TransportUriError(uri, 'dataBits', 'must be 7 or 8');
        line.dataBits = Number(params.dataBits) as 7 | 8;
      }
      if (params.parity !== undefined) {
        if (!['none', 'even', 'odd'].includes(params.parity)) throw new TransportUriError(uri, 'parity', 'must be none, even or odd');
        line.parity = params.parity as SerialLine['parity'];
      }
      if (params.stopBits !== undefined) {
        if (params.stopBits !== '1' && params.stopBits !== '2') throw new TransportUriError(uri, 'stopBits', 'must be 1 or 2');
        line.stopBits = Number(params.stopBits) as 1 | 2;
      }
      return { kind: 'serial', path, baud, line };
    }
    case 'tcp:': {
      const port = Number(u.port);
      if (!u.hostname) throw new TransportUriError(uri, 'host', 'is required');
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TransportUriError(uri, 'port', 'must be 1-65535');
      return { kind: 'tcp', host: u.hostname.replace(/^\[|\]$/g, ''), port };
    }
    case 'file:': {
      const path = decodePath(uri, u.pathname);
      if (!path.startsWith('/') || path === '/') throw new TransportUriError(uri, 'path', 'must be an absolute path');
      return { kind: 'file', path, read: params.read === '1' || params.read === 'true' };
    }
    case 'sim:': {
      const name = u.hostname || u.pathname.replace(/^\/+/, '');
      if (!/^[a-z0-9-]{1,32}$/.test(name)) throw new TransportUriError(uri, 'name', 'must name a simulator, e.g. sim://gnss');
      return { kind: 'sim', name, params };
    }
    default:
      throw new TransportUriError(uri, 'scheme', `${u.protocol.replace(':', '')} is not one of serial, tcp, file, sim`);
  }
}

export function describeTarget(t: TransportTarget): string {
  switch (t.kind) {
    case 'serial':
      return `serial ${t.path} @${t.baud} ${t.line.dataBits}${t.line.parity[0]!.toUpperCase()}${t.line.stopBits}`;
    case 'tcp':
      return `tcp ${t.host}:${t.port}`;
    case 'file':
      return `file ${t.path}`;
    case 'sim':
      return `sim ${t.name}`;
  }
}
