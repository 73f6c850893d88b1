// `vimgw user add/list/remove` as a crew runs it (the built CLI, a real credentials file),
// with the payment supervisor flag: `--supervisor` only for staff, kept on a re-add,
// cleared by `--no-supervisor` or a new role, and read by the gateway's Authenticator
// the same way the payments service asks it. Wrong combinations are usage errors (64)
// that leave the file untouched and ask for no password.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Authenticator, readCredentials } from '../../firmware-ts/src/broker/credentials.js';
import { CLI } from '../helpers/vimgw-cli.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);

function vimgwStdin(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const add = (file: string, name: string, ...flags: string[]) => vimgwStdin(['user', 'add', name, '--password-stdin', '--file', file, ...flags], 'gizli-parola-1\n');
const entry = (file: string, name: string) => readCredentials(file).users.find((u) => u.username === name);

async function isSupervisor(file: string, name: string): Promise<boolean> {
  const auth = new Authenticator();
  auth.load(readCredentials(file));
  expect(await auth.check(name, 'gizli-parola-1')).not.toBeNull();
  return auth.isSupervisor(name);
}

// Each run starts node and hashes a password (scrypt): seconds apiece on a loaded machine.
describe('vimgw user --supervisor', { timeout: 300_000 }, () => {
  it('marks a staff user as a supervisor, keeps it on a re-add, and clears it with --no-supervisor or another role', async () => {
    const file = join(tempDir('vimgw-user-'), 'users.json');
    const a = await add(file, 'sef1', '--role', 'staff', '--supervisor');
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toBe(`user sef1 (staff, supervisor) saved to ${file}\n`);
    expect(entry(file, 'sef1')).toMatchObject({ role: 'staff', supervisor: true });
    expect(await isSupervisor(file, 'sef1')).toBe(true);

    expect((await add(file, 'personel1', '--role', 'staff')).code).toBe(0);
    expect(entry(file, 'personel1')!.supervisor).toBeUndefined();
    expect(await isSupervisor(file, 'personel1')).toBe(false);

    // A new password (re-add) without the flag: still a supervisor.
    expect((await add(file, 'sef1', '--role', 'staff')).code).toBe(0);
    expect(await isSupervisor(file, 'sef1')).toBe(true);

    const list = await vimgwStdin(['user', 'list', '--json', '--file', file], '');
    expect(list.code).toBe(0);
    const users = JSON.parse(list.stdout) as { username: string; role: string; supervisor: boolean }[];
    expect(users.map(({ username, role, supervisor }) => ({ username, role, supervisor }))).toEqual([
      { username: 'personel1', role: 'staff', supervisor: false },
      { username: 'sef1', role: 'staff', supervisor: true },
    ]);
    const human = await vimgwStdin(['user', 'list', '--file', file], '');
    expect(human.stdout).toMatch(/^sef1\s+staff \(supervisor\)\s/m);
    expect(human.stdout).toMatch(/^personel1\s+staff\s+\d{4}-/m);

    expect((await add(file, 'sef1', '--role', 'staff', '--no-supervisor')).code).toBe(0);
    expect(await isSupervisor(file, 'sef1')).toBe(false);
    expect((await add(file, 'sef1', '--role', 'staff', '--supervisor')).code).toBe(0);
    // Moved to maintenance: the flag goes with the staff role.
    expect((await add(file, 'sef1', '--role', 'maintenance')).code).toBe(0);
    expect(entry(file, 'sef1')).toMatchObject({ role: 'maintenance' });
    expect(entry(file, 'sef1')!.supervisor).toBeUndefined();
  });

  it('refuses --supervisor for other roles, with --no-supervisor, and outside "user add", changing nothing', async () => {
    const dir = tempDir('vimgw-user-');
    const file = join(dir, 'users.json');
    for (const [args, message] of [
      [['user', 'add', 'kiosk9', '--role', 'kiosk', '--supervisor'], /--supervisor: only staff users can be supervisors \(voids and refunds\), not kiosk/],
      [['user', 'add', 'bakim9', '--role', 'maintenance', '--supervisor'], /only staff users can be supervisors .*not maintenance/],
      [['user', 'add', 'x9', '--supervisor'], /only staff users can be supervisors .*not a user without --role/],
      [['user', 'add', 'sef9', '--role', 'staff', '--supervisor', '--no-supervisor'], /exclude each other/],
      [['user', 'list', '--supervisor'], /go with "user add", not "user list"/],
      [['user', 'remove', 'sef9', '--no-supervisor'], /go with "user add", not "user remove"/],
    ] as const) {
      const r = await vimgwStdin([...args, '--password-stdin', '--file', file], 'gizli-parola-1\n');
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(64);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(existsSync(file)).toBe(false);

    // An existing file stays byte for byte.
    expect((await add(file, 'sef1', '--role', 'staff', '--supervisor')).code).toBe(0);
    const before = readFileSync(file, 'utf8');
    expect((await add(file, 'sef1', '--role', 'display', '--supervisor')).code).toBe(64);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
