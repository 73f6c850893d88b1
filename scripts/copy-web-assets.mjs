// Copies the web pages' static files (firmware-ts/src/web/public) next to the compiled
// server in dist/ (run by `npm run build`; tsc copies only what it compiles). The old copy
// is removed first, so a file deleted from the source does not linger in dist.
import { cpSync, rmSync } from 'node:fs';
const from = new URL('../firmware-ts/src/web/public/', import.meta.url);
const to = new URL('../dist/firmware-ts/src/web/public/', import.meta.url);
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
