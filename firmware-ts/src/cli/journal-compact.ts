// `vimgw journal compact`: rewrites a journal made before 1 KiB pages (docs/operations.md
// "Journals from before 1 KiB pages") with NEW_JOURNAL_PAGE_SIZE, through better-sqlite3, so
// the van needs no sqlite3 tool. With the gateway stopped: a control socket that answers is
// refused, and the journal is opened with locking_mode=EXCLUSIVE, so a gateway that still has
// it open makes the first read fail with SQLITE_BUSY (nothing is touched then), and one that
// starts meanwhile gets SQLITE_BUSY and waits (store.ts retries). VACUUM keeps every row and
// every INTEGER PRIMARY KEY (all the journal's rowid tables have one); the row counts of every
// table and integrity_check are compared afterwards anyway.
import Database from 'better-sqlite3';
import { accessSync, constants, statfsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadConfig } from '../config/load.js';
import { NEW_JOURNAL_PAGE_SIZE } from '../store/database.js';
import { MIGRATIONS } from '../store/migrations.js';
import { quickSocketPath } from './context.js';
import { ControlClient, ETC_CONFIG } from './control-client.js';
import { color, EXIT, printJson } from './output.js';
import { bytes } from './table.js';

/** Head room over the copies VACUUM makes: 1 KiB pages fit rows less tightly (a mixed journal grew by ~10 %). */
export const SPACE_MARGIN = 0.1;

const STOP_HINT = 'stop it with systemctl stop vim-gateway';
export const OPEN_ELSEWHERE = `the journal is open in another process (is the gateway running? ${STOP_HINT})`;

/** A reason not to compact, or a compaction that failed (exit 1); the journal is as it was unless it says otherwise. */
export class CompactRefused extends Error {}

export interface CompactReport {
  file: string;
  /** compacted, or unchanged (already NEW_JOURNAL_PAGE_SIZE and no --force). */
  action: 'compacted' | 'unchanged';
  schemaVersion: number;
  pageSize: { before: number; after: number };
  pageCount: { before: number; after: number };
  /** The database file (and its -wal before) in bytes. */
  fileBytes: { before: number; walBefore: number; after: number };
  /** The journal table: rows and the last seq, the same before and after. */
  records: { count: number; lastSeq: number };
  durationMs: number;
  integrity: 'ok' | null;
}

export interface FsSpace {
  dir: string;
  dev: number;
  free: number;
}

/**
 * What VACUUM needs free (measured with strace and du): SQLite builds the new file in its
 * temporary directory (SQLITE_TMPDIR, TMPDIR, /var/tmp, /usr/tmp, /tmp), then copies it over the
 * journal under a rollback journal holding the old pages. Each copy is about the journal plus
 * its WAL, plus the margin; both land on one filesystem when the temporary directory is on it.
 */
export function spaceShortfalls(journalBytes: number, journalFs: FsSpace, tempFs: FsSpace, margin = SPACE_MARGIN): { dir: string; needed: number; free: number }[] {
  const copy = Math.ceil(journalBytes * (1 + margin));
  const needs = journalFs.dev === tempFs.dev ? [{ fs: journalFs, needed: 2 * copy }] : [{ fs: journalFs, needed: copy }, { fs: tempFs, needed: copy }];
  return needs.filter((n) => n.fs.free < n.needed).map((n) => ({ dir: n.fs.dir, needed: n.needed, free: n.fs.free }));
}

/** The directory SQLite (os_unix.c unixTempFileDir) puts temporary files in. */
export function sqliteTempDir(env: NodeJS.ProcessEnv = process.env): string {
  for (const d of [env.SQLITE_TMPDIR, env.TMPDIR, '/var/tmp', '/usr/tmp', '/tmp']) {
    if (!d) continue;
    try {
      if (!statSync(d).isDirectory()) continue;
      accessSync(d, constants.W_OK | constants.X_OK);
      return d;
    } catch {
      /* the next candidate */
    }
  }
  return '.';
}

export interface CompactDeps {
  /** Free bytes (for this user) and the device of the filesystem holding dir. */
  space?: (dir: string) => FsSpace;
  /** True when the control socket answers (a gateway is running). */
  gatewayAnswers?: (socket: string) => Promise<boolean>;
  /** Test hook: runs VACUUM. */
  vacuum?: (db: Database.Database) => void;
}

function fsSpace(dir: string): FsSpace {
  const s = statfsSync(dir);
  return { dir, dev: statSync(dir).dev, free: s.bavail * s.bsize };
}

async function controlAnswers(socket: string): Promise<boolean> {
  try {
    const res = await new ControlClient(socket, 1500).open('GET', '/v1/devices');
    res.resume();
    return true;
  } catch {
    return false; // no socket, or nobody behind it; SQLite's lock is the second check
  }
}

const sizeOf = (f: string): number => statSync(f, { throwIfNoEntry: false })?.size ?? 0;

function tableCounts(db: Database.Database): Map<string, number> {
  const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  return new Map(names.map((n) => [n, db.prepare(`SELECT count(*) FROM "${n.replaceAll('"', '""')}"`).pluck().get() as number]));
}

function why(e: unknown): string {
  const code = (e as { code?: string }).code ?? '';
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return OPEN_ELSEWHERE;
  if (code === 'SQLITE_FULL') return 'the disk filled up during VACUUM (SQLite rolled it back)';
  return `${code ? `${code}: ` : ''}${(e as Error).message}`;
}

/** Checks the journal FILE and converts it to NEW_JOURNAL_PAGE_SIZE pages (or says it has them). */
export async function compactJournal(file: string, o: { force: boolean; socket: string | null; onStart?: (bytes: number) => void }, deps: CompactDeps = {}): Promise<CompactReport> {
  if (o.socket && (await (deps.gatewayAnswers ?? controlAnswers)(o.socket))) {
    throw new CompactRefused(`the gateway is running (its control socket ${o.socket} answers); ${STOP_HINT}, then run this again`);
  }
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    throw new CompactRefused((e as NodeJS.ErrnoException).code === 'ENOENT' ? `there is no journal at ${file}` : `cannot read ${file}: ${(e as Error).message}`);
  }
  if (!st.isFile()) throw new CompactRefused(`${file} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}, not a journal file`);
  try {
    accessSync(file, constants.R_OK | constants.W_OK);
    accessSync(dirname(file), constants.W_OK | constants.X_OK);
  } catch {
    throw new CompactRefused(`cannot write ${file} or its directory (permission denied); run it as the gateway's user: sudo -u vimgw vimgw journal compact`);
  }
  const walBefore = sizeOf(`${file}-wal`);
  const before = st.size;
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true, timeout: 1000 });
  } catch (e) {
    throw new CompactRefused(`cannot open ${file}: ${why(e)}`);
  }
  let switched = false;
  try {
    let version: number;
    try {
      db.pragma('locking_mode = EXCLUSIVE'); // held from the first read to close
      version = db.pragma('user_version', { simple: true }) as number;
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new CompactRefused(code === 'SQLITE_NOTADB' ? `${file} is not a SQLite database, so not a journal of this gateway` : `cannot read ${file}: ${why(e)}`);
    }
    const hasJournal = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'journal'").get() !== undefined;
    if (version < 1 || !hasJournal) throw new CompactRefused(`${file} is a SQLite database but not a journal of this gateway (schema version ${version}${hasJournal ? '' : ', no journal table'})`);
    if (version > MIGRATIONS.length) throw new CompactRefused(`${file} has journal schema version ${version}, newer than this vimgw knows (${MIGRATIONS.length}); use the vimgw of the release that wrote it`);
    const pageSizeBefore = db.pragma('page_size', { simple: true }) as number;
    const pageCountBefore = db.pragma('page_count', { simple: true }) as number;
    const records = () => db.prepare('SELECT count(*) AS count, coalesce(max(seq), 0) AS lastSeq FROM journal').get() as { count: number; lastSeq: number };
    const base = { file, schemaVersion: version, records: records() };
    if (pageSizeBefore === NEW_JOURNAL_PAGE_SIZE && !o.force) {
      const same = { before: pageSizeBefore, after: pageSizeBefore };
      return { ...base, action: 'unchanged', pageSize: same, pageCount: { before: pageCountBefore, after: pageCountBefore }, fileBytes: { before, walBefore, after: before }, durationMs: 0, integrity: null };
    }
    const space = deps.space ?? fsSpace;
    const short = spaceShortfalls(before + walBefore, space(dirname(file)), space(sqliteTempDir()));
    if (short.length > 0) {
      const s = short.map((x) => `${x.needed} bytes (${bytes(x.needed)}) needed on the filesystem of ${x.dir}, ${x.free} bytes (${bytes(x.free)}) free`).join('; ');
      throw new CompactRefused(`not enough free space to compact ${file}: ${s} (SQLite's temporary copy and the rollback journal, ${SPACE_MARGIN * 100} % head room)`);
    }
    o.onStart?.(before + walBefore);
    const counts = tableCounts(db);
    const t0 = performance.now();
    try {
      const [ck] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      if (ck?.busy) throw Object.assign(new Error('checkpoint busy'), { code: 'SQLITE_BUSY' });
      switched = true;
      if (db.pragma('journal_mode = DELETE', { simple: true }) !== 'delete') throw Object.assign(new Error('journal_mode stayed wal'), { code: 'SQLITE_BUSY' });
      db.pragma(`page_size = ${NEW_JOURNAL_PAGE_SIZE}`);
      (deps.vacuum ?? ((d) => d.exec('VACUUM')))(db);
      if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') throw new Error('the journal did not go back to WAL mode');
      switched = false;
    } catch (e) {
      throw new CompactRefused(`compacting ${file} failed: ${why(e)}; the journal keeps its ${db.pragma('page_size', { simple: true }) as number}-byte pages`);
    }
    const problems = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    if (problems.length !== 1 || problems[0] !== 'ok') throw new CompactRefused(`integrity_check after VACUUM of ${file} did not say ok:\n  ${problems.join('\n  ')}`);
    const after = tableCounts(db);
    const changed = [...new Set([...counts.keys(), ...after.keys()])].filter((t) => counts.get(t) !== after.get(t));
    if (changed.length > 0) throw new CompactRefused(`row counts changed in ${changed.join(', ')} after VACUUM of ${file}`);
    if (records().lastSeq !== base.records.lastSeq) throw new CompactRefused(`the journal's last seq changed during VACUUM of ${file}`);
    const [pageSizeAfter, pageCountAfter] = [db.pragma('page_size', { simple: true }) as number, db.pragma('page_count', { simple: true }) as number];
    if (pageSizeAfter !== NEW_JOURNAL_PAGE_SIZE) throw new CompactRefused(`VACUUM of ${file} left ${pageSizeAfter}-byte pages, not ${NEW_JOURNAL_PAGE_SIZE}`);
    db.close();
    return { ...base, action: 'compacted', pageSize: { before: pageSizeBefore, after: pageSizeAfter }, pageCount: { before: pageCountBefore, after: pageCountAfter }, fileBytes: { before, walBefore, after: sizeOf(file) }, durationMs: Math.round(performance.now() - t0), integrity: 'ok' };
  } finally {
    if (switched) {
      try {
        db.pragma('journal_mode = WAL'); // the gateway would switch it back too, at its next open
      } catch {
        /* reported above */
      }
    }
    if (db.open) db.close();
  }
}

export interface CompactArgs {
  config?: string | undefined;
  file?: string | undefined;
  socket?: string | undefined;
  json: boolean;
  force: boolean;
}

/** The journal named by --file, else the one the config's gateway opens (store.ts: dataDir/store.file). */
function target(a: CompactArgs): { file: string; config: string | undefined } | { error: string } {
  const config = a.config ?? process.env.VIM_CONFIG ?? ETC_CONFIG;
  if (a.file) return { file: a.file, config: a.config };
  const r = loadConfig(config);
  if (!r.ok) return { error: `cannot find the journal: config ${r.file ?? config} ${r.errors.map((e) => `${e.path === '' ? '' : `${e.path}: `}${e.message}`).join('; ')}; pass --config FILE or --file JOURNAL` };
  return { file: join(r.config.dataDir, r.config.store.file), config };
}

export async function journalCompact(a: CompactArgs, deps: CompactDeps = {}): Promise<number> {
  const t = target(a);
  const fail = (message: string, file: string | null, code: number): number => {
    if (a.json) printJson({ ok: false, file, error: message });
    process.stderr.write(`${color.red('refused')}: ${message}\n`);
    return code;
  };
  if ('error' in t) return fail(t.error, null, EXIT.config);
  const socket = quickSocketPath({ socket: a.socket, config: t.config, json: a.json, force: a.force, follow: false, offline: false, timeout: '2' });
  const onStart = (n: number) => {
    if (!a.json) process.stderr.write(`compacting ${t.file} (${bytes(n)}) to ${NEW_JOURNAL_PAGE_SIZE}-byte pages; about a minute per GB (safe to interrupt: SQLite rolls an unfinished VACUUM back) ...\n`);
  };
  let r: CompactReport;
  try {
    r = await compactJournal(t.file, { force: a.force, socket, onStart }, deps);
  } catch (e) {
    if (e instanceof CompactRefused) return fail(e.message, t.file, EXIT.failed);
    throw e;
  }
  if (a.json) printJson({ ok: true, ...r });
  else if (r.action === 'unchanged') {
    process.stdout.write(`${color.green('ok')}: ${r.file} already has ${r.pageSize.after}-byte pages; nothing done (--force to VACUUM it anyway)\n`);
  } else {
    const rows = [
      ['page size', `${r.pageSize.before} -> ${r.pageSize.after} bytes`],
      ['pages', `${r.pageCount.before} -> ${r.pageCount.after}`],
      ['file size', `${bytes(r.fileBytes.before + r.fileBytes.walBefore)} -> ${bytes(r.fileBytes.after)}${r.fileBytes.walBefore ? ` (with ${bytes(r.fileBytes.walBefore)} of WAL before)` : ''}`],
      ['records', `${r.records.count}, last seq ${r.records.lastSeq} (unchanged)`],
      ['integrity', color.green('ok')],
    ];
    process.stdout.write(`${color.green('compacted')} ${r.file} in ${(r.durationMs / 1000).toFixed(1)} s\n${rows.map(([k, v]) => `  ${k!.padEnd(10)} ${v}\n`).join('')}`);
  }
  return EXIT.ok;
}
