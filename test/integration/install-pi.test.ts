// scripts/install-pi.sh, as far as it can run off a Pi: shellcheck, the refusal on a
// machine that is not a Pi, and a dry run against a temp root (--root: the files go
// under it, the system commands are only printed): first install, a second run that
// keeps the crew's config, an upgrade, an upgrade whose health check fails and rolls
// back, and the three ways a failed upgrade treats the store (real SQLite journals): put
// the backup back when the new release took no records, keep the live store when it took
// some on a schema the old release reads, stay on the new release when it cannot. What needs a real Pi (apt, useradd, systemctl, udev) is printed, not run.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { storeInfo } from '../../firmware-ts/src/cli/store-info.js';
import { Store } from '../../firmware-ts/src/store/store.js';
import { FakeClock, silent } from '../helpers/store.js';

const info = (file: string) => {
  const i = storeInfo(file);
  return { version: i.schemaVersion, seq: i.lastSeq };
};

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
    expect(bad.out).toMatch(/not healthy within 2 s\n[\s\S]*rolling back to /);
    expect(bad.out).toMatch(/rolled back to /);
    expect(readlinkSync(join(opt, 'current'))).toBe(rel3);
    expect(readFileSync(join(data, 'journal.sqlite'), 'utf8')).toBe('journal v1');
    const failed = readdirSync(data).filter((d) => d.startsWith('failed-'));
    expect(failed).toHaveLength(1);
    expect(readFileSync(join(data, failed[0]!, 'journal.sqlite'), 'utf8')).toBe('journal v2\n');
  }, 300_000);

  it('a failed upgrade never loses records the new release took: keeps the store, or stays when the old one cannot read it', async () => {
    const root = tempDir('vimgw-inst-');
    const opt = join(root, 'opt/vim-gateway');
    const data = join(root, 'var/lib/vim-gateway');
    const first = await install(['--force', '--root', root]);
    expect(first.code, first.out).toBe(0);
    const relA = readlinkSync(join(opt, 'current'));
    // A real journal, as the installed release left it: 5 records.
    const store = new Store({ dataDir: data, file: 'journal.sqlite', vehicle: 'VIM-T1', maxBatch: 64, idempotencyDays: 30, outbox: null }, new FakeClock(), silent);
    await store.start();
    for (let i = 0; i < 5; i++) await store.transact((tx) => tx.journal.append({ type: 'logbook.added', class: 'events', payload: { i } }));
    await store.stop();
    const journal = join(data, 'journal.sqlite');
    const schema = info(journal).version;
    expect(info(journal)).toEqual({ version: schema, seq: 5 });

    // The new release's stand-in health check: while it is current it does `act` once, then fails.
    const take = join(root, 'take.mjs');
    writeFileSync(
      take,
      `import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
const Database = createRequire(${JSON.stringify(join(process.cwd(), 'package.json'))})('better-sqlite3');
const [file, n, bump] = process.argv.slice(2);
const db = new Database(file);
const ins = db.prepare("INSERT INTO journal (id, vehicle, type, class, created_at, clock, mono_ms, boot_id, payload) VALUES (?, 'VIM-T1', 'logbook.added', 'events', ?, 'ntp', 1, 'boot', '{}')");
for (let i = 0; i < Number(n); i++) ins.run(randomUUID(), new Date().toISOString());
if (bump === 'migrate') db.pragma('user_version = ' + (db.pragma('user_version', { simple: true }) + 1));
db.close();
`,
    );
    const failing = (act: string) => ({
      VIMGW_HEALTH_CMD: `[ "$(readlink '${join(opt, 'current')}')" = "$OLD_REL" ] && exit 0; [ -e '${root}/acted' ] || { ${act} && touch '${root}/acted'; }; exit 1`,
    });
    const upgrade = async (act: string) => {
      rmSync(join(root, 'acted'), { force: true });
      await new Promise((r) => setTimeout(r, 1100));
      const old = readlinkSync(join(opt, 'current'));
      const r = await install(['--force', '--root', root, '--upgrade', '--health-timeout', '2'], { OLD_REL: old, ...failing(act) });
      return { ...r, old };
    };

    // 1. It migrated the store but took nothing: the backup goes back, its store goes to failed-<time>/.
    const r1 = await upgrade(`node '${take}' '${journal}' 0 migrate`);
    expect(r1.code, r1.out).toBe(1);
    expect(r1.out).toMatch(/rolled back to .*the pre-upgrade store is back; what the failed release wrote is in .*failed-/);
    expect(readlinkSync(join(opt, 'current'))).toBe(relA);
    expect(info(journal)).toEqual({ version: schema, seq: 5 });
    const failed = readdirSync(data).filter((d) => d.startsWith('failed-'));
    expect(failed).toHaveLength(1);
    expect(info(join(data, failed[0]!, 'journal.sqlite'))).toEqual({ version: schema + 1, seq: 5 });

    // 2. It took 3 records on the same schema: code rolled back, the live store (with them) kept.
    const r2 = await upgrade(`node '${take}' '${journal}' 3`);
    expect(r2.code, r2.out).toBe(1);
    expect(r2.out).toMatch(/keeping the store: the new release took 3 records/);
    expect(r2.out).toMatch(/rolled back to .*with the 3 records the new release took, was kept/);
    expect(readlinkSync(join(opt, 'current'))).toBe(relA);
    expect(info(journal)).toEqual({ version: schema, seq: 8 });
    expect(readdirSync(data).filter((d) => d.startsWith('failed-'))).toHaveLength(1);
    const backups = readdirSync(data).filter((d) => d.startsWith('backup-')).sort();
    expect(info(join(data, backups.at(-1)!, 'journal.sqlite'))).toEqual({ version: schema, seq: 5 });

    // 3. It took 2 records and migrated: the previous release could not open the store, so no rollback.
    const r3 = await upgrade(`node '${take}' '${journal}' 2 migrate`);
    expect(r3.code, r3.out).toBe(2);
    expect(r3.out).toMatch(/NOT rolled back: the new release took 2 records and migrated the store/);
    expect(r3.out).toMatch(/^\+ systemctl start vim-gateway$/m);
    expect(readlinkSync(join(opt, 'current'))).not.toBe(relA);
    expect(info(journal)).toEqual({ version: schema + 1, seq: 10 });
  }, 600_000);

  it('refuses --upgrade when nothing is installed, and unknown options', async () => {
    const r = await install(['--force', '--root', tempDir('vimgw-inst-'), '--upgrade']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/nothing installed yet/);
    expect((await install(['--bogus'])).code).toBe(64);
  });
});
