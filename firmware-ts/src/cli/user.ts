// `vimgw user add NAME --role ROLE [--supervisor | --no-supervisor]`, `user list`,
// `user remove NAME`: broker users in the credentials file the running gateway watches
// (no restart needed). A supervisor (`"supervisor": true`) may void, refund and review card
// payments; only staff can be one (broker/credentials.ts isSupervisor).
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { ROLES, type Role } from '../config/schema.js';
import { addUser, readCredentials, removeUser } from '../broker/credentials.js';
import { EXIT, printJson, UsageError } from './output.js';

export interface UserArgs {
  action: string | undefined;
  name: string | undefined;
  role: string | undefined;
  passwordStdin: boolean;
  supervisor?: boolean | undefined;
  noSupervisor?: boolean | undefined;
  expires?: string | undefined;
  file: string | undefined;
  config: string | undefined;
  json: boolean;
}

function credentialsFile(a: UserArgs): string {
  if (a.file) return a.file;
  const r = loadConfig(a.config ?? process.env.VIM_CONFIG ?? '/etc/vim-gateway/config.json');
  if (!r.ok) throw new UsageError(`cannot find the credentials file: config ${r.file ?? ''} is invalid (${r.errors[0]?.path}: ${r.errors[0]?.message}); pass --file`);
  return r.config.broker.credentialsFile;
}

/** Reads a secret: a line from stdin when it is not a terminal, else a prompt without echo. */
export async function readSecret(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  process.stderr.write(prompt);
  const pw = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return pw;
}

/**
 * `--expires`: a day (YYYY-MM-DD, valid through that day, local time: the van's clock) or an
 * ISO 8601 instant with its offset. A day already over is refused, so a typo cannot create a
 * user who can never log in.
 */
export function parseExpires(text: string, now = new Date()): Date {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  let d: Date;
  if (day) {
    const [y, m, dd] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const start = new Date(y, m - 1, dd);
    const real = start.getFullYear() === y && start.getMonth() === m - 1 && start.getDate() === dd; // not 2025-02-30
    d = real ? new Date(y, m - 1, dd + 1) : new Date(NaN); // midnight after the day, local time
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    d = new Date(text);
  } else d = new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--expires: expected YYYY-MM-DD or an ISO 8601 time with offset, got "${text}"`);
  if (d.getTime() <= now.getTime()) throw new UsageError(`--expires: ${d.toISOString()} is already past`);
  return d;
}

async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  return readSecret('password: ');
}

/**
 * The supervisor flag for `user add`, checked before any password is asked: true or false
 * to set or clear it, undefined to keep what a re-added staff user had. A user added with
 * another role loses the flag, so a demoted supervisor cannot keep it in the file.
 */
export function supervisorFlag(a: UserArgs): boolean | undefined {
  if (a.action !== 'add' && (a.supervisor || a.noSupervisor)) throw new UsageError(`--supervisor and --no-supervisor go with "user add", not "user ${a.action ?? ''}"`);
  if (a.supervisor && a.noSupervisor) throw new UsageError('--supervisor and --no-supervisor exclude each other');
  if (a.supervisor && a.role !== 'staff') throw new UsageError(`--supervisor: only staff users can be supervisors (voids and refunds), not ${a.role ?? 'a user without --role'}`);
  if (a.supervisor) return true;
  if (a.noSupervisor || a.role !== 'staff') return false;
  return undefined;
}

export async function userCommand(a: UserArgs): Promise<number> {
  const supervisor = supervisorFlag(a);
  switch (a.action) {
    case 'add': {
      if (!a.name) throw new UsageError('user add: NAME is required');
      if (!a.role || !(ROLES as readonly string[]).includes(a.role)) throw new UsageError(`--role: must be one of ${ROLES.join(', ')}`);
      // Arguments first: a usage error must not ask for a password.
      const expires = a.expires === undefined ? undefined : parseExpires(a.expires);
      const file = credentialsFile(a);
      await addUser(file, a.name, a.role as Role, await readPassword(a.passwordStdin), { ...(expires ? { expires } : {}), ...(supervisor === undefined ? {} : { supervisor }) });
      const saved = readCredentials(file).users.find((u) => u.username === a.name);
      process.stdout.write(`user ${a.name} (${a.role}${saved?.supervisor ? ', supervisor' : ''}) saved to ${file}${expires ? `, expires ${expires.toISOString()}` : ''}\n`);
      return EXIT.ok;
    }
    case 'list': {
      const users = readCredentials(credentialsFile(a)).users.map(({ username, role, supervisor: sup, createdAt, expires }) => ({ username, role, supervisor: sup === true, createdAt: createdAt ?? null, expires: expires ?? null }));
      if (a.json) printJson(users);
      else for (const u of users) process.stdout.write(`${u.username.padEnd(24)} ${(u.role + (u.supervisor ? ' (supervisor)' : '')).padEnd(24)} ${u.createdAt ?? ''}${u.expires ? `  expires ${u.expires}` : ''}\n`);
      return EXIT.ok;
    }
    case 'remove': {
      if (!a.name) throw new UsageError('user remove: NAME is required');
      if (!removeUser(credentialsFile(a), a.name)) {
        process.stderr.write(`no user ${a.name}\n`);
        return EXIT.failed;
      }
      process.stdout.write(`user ${a.name} removed\n`);
      return EXIT.ok;
    }
    default:
      throw new UsageError('user: expected add, list or remove');
  }
}
