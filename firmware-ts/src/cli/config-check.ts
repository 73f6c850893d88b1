// `vimgw config check [FILE]`: the same validation the daemon runs, nothing started.
import { loadConfig } from '../config/load.js';
import { color, EXIT, printJson } from './output.js';

export function configCheck(file: string | null, json: boolean): number {
  const r = loadConfig(file);
  if (json) {
    printJson(r.ok ? { ok: true, file: r.file } : { ok: false, file: r.file, errors: r.errors });
  } else if (r.ok) {
    process.stdout.write(`${color.green('ok')}: ${r.file ?? '(built-in defaults)'} is a valid configuration\n`);
  } else {
    process.stderr.write(`${color.red('invalid')}: ${r.file ?? '(built-in defaults)'}\n`);
    for (const e of r.errors) process.stderr.write(`  ${e.path === '' ? '(document)' : e.path}: ${e.message}\n`);
  }
  return r.ok ? EXIT.ok : EXIT.config;
}
