// Broker users: a JSON file of scrypt hashes written by `vimgw user add` (DESIGN.md
// "MQTT API": anonymous clients are refused, passwords are stored as scrypt hashes).
import { Type, type Static } from '@sinclair/typebox';
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { closeSync, fchmodSync, fchownSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { compile, formatFieldErrors } from '../schema/validator.js';
import { OneOf, Strict } from '../schema/types.js';
import { ROLES, type Role } from '../config/schema.js';

export const USERNAME_PATTERN = '^[a-z0-9][a-z0-9_.-]{0,31}$';
const EXPIRES_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?Z$';
const HASH_PATTERN = '^scrypt\\$\\d+\\$\\d+\\$\\d+\\$[A-Za-z0-9_-]+\\$[A-Za-z0-9_-]+$';

export const CredentialsSchema = Strict({
  version: Type.Literal(1),
  users: Type.Array(
    Strict({
      username: Type.String({ pattern: USERNAME_PATTERN }),
      role: OneOf(ROLES),
      hash: Type.String({ pattern: HASH_PATTERN }),
      createdAt: Type.Optional(Type.String()),
      // Staff allowed to void, refund and review card payments (services/payments); checked per command, so a
      // change to the file applies at once, without the user reconnecting.
      supervisor: Type.Optional(Type.Boolean()),
      // The instant (ISO 8601, UTC) from which logins are refused: a temporary or seasonal account
      // ends by itself. Optional, so files written before it existed stay valid.
      expires: Type.Optional(Type.String({ pattern: EXPIRES_PATTERN })),
    }),
  ),
});
export type Credentials = Static<typeof CredentialsSchema>;
export type UserEntry = Credentials['users'][number];

const validator = compile(CredentialsSchema);

// N=2^14, r=8, p=1: ~16 MiB and some tens of ms on a Pi 4, paid once per login.
const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEYLEN = 32;

// One scrypt at a time: each takes 16 MiB, and concurrent ones on libuv's threads
// leave glibc arenas holding that memory long after a login storm (RSS on a Pi).
let scryptChain: Promise<unknown> = Promise.resolve();

function scrypt(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  const run = () =>
    new Promise<Buffer>((resolve, reject) =>
      scryptCb(password, salt, KEYLEN, { ...opts, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
    );
  const next = scryptChain.then(run, run);
  scryptChain = next.catch(() => undefined);
  return next;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = encoded.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export function parseCredentials(text: string, file: string): Credentials {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const r = validator.check(doc);
  if (!r.ok) throw new Error(`${file}:\n${formatFieldErrors(r.errors)}`);
  const names = new Set<string>();
  for (const u of r.value.users) {
    if (names.has(u.username)) throw new Error(`${file}: users: duplicate username ${u.username}`);
    names.add(u.username);
  }
  return r.value;
}

export function readCredentials(file: string): Credentials {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, users: [] };
    throw e;
  }
  return parseCredentials(text, file);
}

/**
 * Atomic replace: write a temp file, fsync it, rename over the old one. A new file
 * is 0600; an existing one keeps its owner, group and mode, so `sudo vimgw user add`
 * does not leave a root-owned file the gateway's own user cannot read.
 */
export function writeCredentials(file: string, creds: Credentials): void {
  const tmp = `${file}.tmp-${process.pid}`;
  let old: { uid: number; gid: number; mode: number } | null = null;
  try {
    old = statSync(file);
  } catch {
    /* a new file */
  }
  const fd = openSync(tmp, 'w', 0o600);
  try {
    if (old) {
      fchownSync(fd, old.uid, old.gid);
      fchmodSync(fd, old.mode & 0o777);
    }
    writeSync(fd, JSON.stringify(creds, null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/**
 * `opts.supervisor` sets or clears the flag; omitted, a re-added user keeps the one they had.
 * `opts.expires` (a Date) ends the account at that instant; omitted, a re-added user has none.
 */
export async function addUser(
  file: string,
  username: string,
  role: Role,
  password: string,
  opts: { supervisor?: boolean; expires?: Date } = {},
): Promise<void> {
  const creds = readCredentials(file);
  if (!new RegExp(USERNAME_PATTERN).test(username)) throw new Error(`username: must match ${USERNAME_PATTERN}`);
  if (password.length < 8) throw new Error('password: must be at least 8 characters');
  if (opts.expires && Number.isNaN(opts.expires.getTime())) throw new Error('expires: not a valid date');
  const supervisor = opts.supervisor ?? creds.users.find((u) => u.username === username)?.supervisor ?? false;
  const entry: UserEntry = {
    username,
    role,
    hash: await hashPassword(password),
    createdAt: new Date().toISOString(),
    ...(supervisor ? { supervisor: true } : {}),
    ...(opts.expires ? { expires: opts.expires.toISOString() } : {}),
  };
  const users = creds.users.filter((u) => u.username !== username);
  users.push(entry);
  writeCredentials(file, { version: 1, users });
}

export function removeUser(file: string, username: string): boolean {
  const creds = readCredentials(file);
  const users = creds.users.filter((u) => u.username !== username);
  if (users.length === creds.users.length) return false;
  writeCredentials(file, { version: 1, users });
  return true;
}

/** Verifies logins against the current file; successful checks are cached so reconnect storms stay cheap. */
export class Authenticator {
  private users = new Map<string, UserEntry>();
  private cache = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  load(creds: Credentials): void {
    this.users = new Map(creds.users.map((u) => [u.username, u]));
    this.cache.clear();
  }

  get size(): number {
    return this.users.size;
  }

  /** A staff user marked `"supervisor": true` in the current file. */
  isSupervisor(username: string): boolean {
    const u = this.users.get(username);
    return u?.role === 'staff' && u.supervisor === true;
  }

  /** Whether the user exists and their `expires` instant has passed (for the log; check() already refuses). */
  isExpired(username: string): boolean {
    const e = this.users.get(username)?.expires;
    return e !== undefined && Date.parse(e) <= this.now();
  }

  /** The role a connected user still holds under the current file: null once removed or expired. */
  standing(username: string): Role | null {
    const u = this.users.get(username);
    return u && !this.isExpired(username) ? u.role : null;
  }

  /**
   * The user's role when the password is right and the account has not expired. The password is
   * verified first, so a refusal costs the same and tells a guesser nothing about the expiry.
   */
  async check(username: string, password: string): Promise<Role | null> {
    const role = await this.verify(username, password);
    return role && !this.isExpired(username) ? role : null;
  }

  private async verify(username: string, password: string): Promise<Role | null> {
    const user = this.users.get(username);
    if (!user) {
      // Spend the same effort for unknown users, so timing does not reveal who exists.
      await verifyPassword(password, 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
      return null;
    }
    const key = createHash('sha256').update(user.hash).update('\0').update(password).digest('base64');
    const until = this.cache.get(key);
    if (until !== undefined && until > this.now()) return user.role;
    if (!(await verifyPassword(password, user.hash))) return null;
    if (this.cache.size > 1000) this.cache.clear();
    this.cache.set(key, this.now() + 10 * 60_000);
    return user.role;
  }
}
