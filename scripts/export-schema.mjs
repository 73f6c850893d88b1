// Writes config/schema.json from the compiled config schema (run by `npm run build`).
import { writeFileSync } from 'node:fs';
import { ConfigSchema } from '../dist/firmware-ts/src/config/schema.js';
writeFileSync(new URL('../config/schema.json', import.meta.url), JSON.stringify(ConfigSchema, null, 2) + '\n');
