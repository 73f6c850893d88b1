// `vimgw user add NAME --role ROLE`, `user list`, `user remove NAME`: broker users
// in the credentials file the running gateway watches (no restart needed).
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

async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  return readSecret('password: ');
}

export async function userCommand(a: UserArgs): Promise<number> {
  switch (a.action) {
    case 'add': {
      if (!a.name) throw new UsageError('user add: NAME is required');
      if (!a.role || !(ROLES as readonly string[]).includes(a.role)) throw new UsageError(`--role: must be one of ${ROLES.join(', ')}`);
      const file = credentialsFile(a);
      await addUser(file, a.name, a.role as Role, await readPassword(a.passwordStdin));
      process.stdout.write(`user ${a.name} (${a.role}) saved to ${file}\n`);
      return EXIT.ok;
    }
    case 'list': {
      const users = readCredentials(credentialsFile(a)).users.map(({ username, role, createdAt }) => ({ username, role, createdAt: createdAt ?? null }));
      if (a.json) printJson(users);
      else for (const u of users) process.stdout.write(`${u.username.padEnd(24)} ${u.role.padEnd(12)} ${u.createdAt ?? ''}\n`);
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
