// scripts/install-pi.sh, as far as it can run off a Pi: shellcheck, the refusal on a
// machine that is not a Pi, and a dry run against a temp root (--root: the files go
// under it, the system commands are only printed): first install, a second run that
// keeps the crew's config, an upgrade, and an upgrade whose health check fails and
// rolls back. What needs a real Pi (apt, useradd, systemctl, udev) is printed, not run.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const SCRIPT = 'scripts/install-pi.sh';
const exec = promisify(execFile);
afterAll(cleanupTempDirs);

async function install(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  try {
    const r = await exec('bash', [SCRIPT, ...args], { env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout + x.stderr };
  }
}

const isPi = (() => {
  try {
    return readFileSync('/proc/device-tree/model', 'utf8').includes('Raspberry Pi');
  } catch {
    return false;
  }
})();

describe('scripts/install-pi.sh', () => {
  it('passes shellcheck', () => {
    let bin: string;
    try {
      execFileSync('shellcheck', ['--version'], { stdio: 'ignore' });
      bin = 'shellcheck';
    } catch {
      throw new Error('shellcheck is not installed: apt-get install shellcheck (scripts/test.sh does this when run as root)');
    }
    execFileSync(bin, [SCRIPT], { stdio: 'pipe' });
  });

  it.runIf(!isPi)('refuses a machine that is not a Raspberry Pi unless --force', async () => {
    const r = await install(['--root', tempDir('vimgw-inst-')]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/this is not a Raspberry Pi .*Pass --force to install anyway/);
  });

  it('installs into a root, keeps the crew\'s config on a second run, upgrades, and rolls back a release that is not healthy', async () => {
    const root = tempDir('vimgw-inst-');
    const opt = join(root, 'opt/vim-gateway');
    const first = await install(['--force', '--root', root]);
    expect(first.code, first.out).toBe(0);
    const rel1 = readlinkSync(join(opt, 'current'));
    expect(basename(rel1)).toMatch(/^\d+\.\d+\.\d+-\d{8}T\d{6}Z$/);
    expect(existsSync(join(rel1, 'systemd/vim-gateway.service'))).toBe(true);
    expect(existsSync(join(rel1, 'node_modules'))).toBe(false);
    expect(readFileSync(join(root, 'etc/vim-gateway/config.json'), 'utf8')).toBe(readFileSync('config/pi.example.json', 'utf8'));
    for (const f of ['etc/systemd/system/vim-gateway.service', 'etc/udev/rules.d/99-vim-gateway.rules', 'etc/systemd/journald.conf.d/vim-gateway.conf', 'usr/local/bin/vimgw']) expect(existsSync(join(root, f)), f).toBe(true);
    expect(first.out).toMatch(/^\+ systemctl enable --now vim-gateway$/m);
    expect(first.out).toMatch(/useradd --system --gid vimgw/);
    expect(first.out).toMatch(/vimgw selftest/);

    // A second run: same steps, the edited config stays.
    writeFileSync(join(root, 'etc/vim-gateway/config.json'), '{"vehicle":{"id":"VIM-07"}}\n');
    await new Promise((r) => setTimeout(r, 1100));
    const again = await install(['--force', '--root', root]);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toMatch(/already installed/);
    expect(again.out).toMatch(/keeping .*config\.json/);
    expect(readFileSync(join(root, 'etc/vim-gateway/config.json'), 'utf8')).toBe('{"vehicle":{"id":"VIM-07"}}\n');
    const rel2 = readlinkSync(join(opt, 'current'));

    // An upgrade that comes up healthy: current moves, previous keeps the old one, the store is backed up.
    const data = join(root, 'var/lib/vim-gateway');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'journal.sqlite'), 'journal v1');
    await new Promise((r) => setTimeout(r, 1100));
    const up = await install(['--force', '--root', root, '--upgrade'], { VIMGW_HEALTH_CMD: 'true' });
    expect(up.code, up.out).toBe(0);
    const rel3 = readlinkSync(join(opt, 'current'));
    expect(rel3).not.toBe(rel2);
    expect(readlinkSync(join(opt, 'previous'))).toBe(rel2);
    const backups = readdirSync(data).filter((d) => d.startsWith('backup-'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(data, backups[0]!, 'journal.sqlite'), 'utf8')).toBe('journal v1');

    // An upgrade whose release never becomes healthy (it even migrated the store): back to the last one.
    await new Promise((r) => setTimeout(r, 1100));
    const bad = await install(['--force', '--root', root, '--upgrade', '--health-timeout', '2'], {
      // The new release migrates the store and never answers; the old one (after the rollback) is healthy.
      VIMGW_HEALTH_CMD: `[ "$(readlink '${join(opt, 'current')}')" = '${rel3}' ] && exit 0; echo 'journal v2' > '${join(data, 'journal.sqlite')}'; exit 1`,
    });
    expect(bad.code, bad.out).toBe(1);
    expect(bad.out).toMatch(/not healthy within 2 s: rolling back/);
    expect(bad.out).toMatch(/rolled back to /);
    expect(readlinkSync(join(opt, 'current'))).toBe(rel3);
    expect(readFileSync(join(data, 'journal.sqlite'), 'utf8')).toBe('journal v1');
    const failed = readdirSync(data).filter((d) => d.startsWith('failed-'));
    expect(failed).toHaveLength(1);
    expect(readFileSync(join(data, failed[0]!, 'journal.sqlite'), 'utf8')).toBe('journal v2\n');
  }, 300_000);

  it('refuses --upgrade when nothing is installed, and unknown options', async () => {
    const r = await install(['--force', '--root', tempDir('vimgw-inst-'), '--upgrade']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/nothing installed yet/);
    expect((await install(['--bogus'])).code).toBe(64);
  });
});
