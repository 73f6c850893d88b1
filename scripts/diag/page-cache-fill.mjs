// `node scripts/diag/page-cache-fill.mjs JOURNAL.sqlite CACHE_KIB`: how much of glibc's main
// arena (the `[heap]` mapping's Rss) SQLite's page cache takes as it fills. Reads every table of
// a journal (a copy: better-sqlite3's backup() of a live one) three times with cache_size set to
// CACHE_KIB and prints the arena before and after each full read. Run it with the unit's
// MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=1048576 (docs/reliability.md, session 7).
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
const [file, kib] = process.argv.slice(2);
const arena = () => { const s = readFileSync('/proc/self/smaps', 'utf8'); const at = s.search(/^[0-9a-f]+-[0-9a-f]+ .*\[heap\]$/m); return Number(/^Rss:\s+(\d+) kB$/m.exec(s.slice(at))[1]); };
const db = new Database(file, { readonly: true });
db.pragma(`cache_size = -${kib}`);
const tables = db.prepare("select name from sqlite_master where type='table'").pluck().all();
const before = arena();
const out = [];
for (let round = 0; round < 3; round++) {
  for (const t of tables) for (const r of db.prepare(`select * from "${t}"`).iterate()) void r;
  out.push(arena());
}
console.log(JSON.stringify({ cacheKiB: Number(kib), pageSize: db.pragma('page_size', { simple: true }), pages: db.pragma('page_count', { simple: true }), arenaKB: { before, afterEachFullRead: out } }));
