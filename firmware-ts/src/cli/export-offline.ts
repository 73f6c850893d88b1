// `vimgw export` with the gateway stopped (or --offline): the same bundle, read
// straight from the journal file. SQLite's WAL lets this reader run beside a live
// gateway too, and a read-only connection can never change the journal.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import { exportChunks, writeDrained } from '../control/export.js';
import { SystemClock } from '../platform/clock.js';
import { Journal } from '../store/journal.js';
import { configFile } from './control-client.js';
import { EXIT } from './output.js';

export async function exportOffline(config: string | undefined, since: Date, onChunk: (records: number) => void): Promise<{ code: number; records: number; file: string }> {
  const loaded = loadConfig(configFile(config));
  if (!loaded.ok) {
    process.stderr.write(`config ${loaded.file ?? '(defaults)'} is invalid: ${loaded.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}\n`);
    return { code: EXIT.config, records: 0, file: '' };
  }
  const file = join(loaded.config.dataDir, loaded.config.store.file);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    process.stderr.write(`cannot open the journal ${file}: ${(e as Error).message}\n`);
    return { code: EXIT.failed, records: 0, file };
  }
  try {
    // Never appends: the outbox port is there only because the journal's constructor wants one.
    const journal = new Journal(db, loaded.config.vehicle.id, new SystemClock(), {
      enqueue: () => {
        throw new Error('read-only');
      },
    });
    let records = 0;
    for (const chunk of exportChunks(journal, loaded.config.vehicle.id, since)) {
      await writeDrained(process.stdout, chunk);
      const n = chunk.split('\n').length - 1;
      records += n;
      onChunk(records);
    }
    return { code: EXIT.ok, records: Math.max(0, records - 2), file };
  } finally {
    db.close();
  }
}
