// Throwaway PKI for TLS tests, made with the openssl CLI (scripts/test.sh installs it):
// a CA, a server certificate for 127.0.0.1/localhost signed by it, and an unrelated CA
// whose trust makes the server certificate fail to verify; `makeClientCert` adds client
// certificates for mutual TLS (one signed by the CA, one by the unrelated CA).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestPki {
  ca: string;
  otherCa: string;
  serverCert: string;
  serverKey: string;
}

function ssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.pem`], dir);
}

export function makePki(dir: string): TestPki {
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n');
  ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr'], dir);
  ssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.pem'], dir);
  return { ca: join(dir, 'ca.pem'), otherCa: join(dir, 'other-ca.pem'), serverCert: join(dir, 'server.pem'), serverKey: join(dir, 'server.key') };
}

export interface ClientCert {
  cert: string;
  key: string;
}

/**
 * A client certificate (extendedKeyUsage clientAuth) named `name`, signed by `ca.pem`
 * or, with `signer: 'other-ca'`, by the CA the server does not trust. Needs makePki first.
 */
export function makeClientCert(dir: string, name: string, signer: 'ca' | 'other-ca' = 'ca'): ClientCert {
  writeFileSync(join(dir, `${name}.ext`), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
  ssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.pem`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
  return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
}
