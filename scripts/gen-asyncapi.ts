// Generates docs/asyncapi.yaml (AsyncAPI 3.0) from the command, reply, state and
// event schemas (firmware-ts/src/api/asyncapi.ts), with the command list built by
// allCommands(), the same call gateway.ts registers. test/unit/asyncapi.test.ts
// renders it again in memory and fails when the committed file is stale.
//
//   npm run docs:asyncapi                      build, then write docs/asyncapi.yaml
//   node dist/scripts/gen-asyncapi.js --check  exit 1 if the file is stale
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderAsyncApi } from '../firmware-ts/src/api/asyncapi.js';
import type { Publisher } from '../firmware-ts/src/api/command-path.js';
import { allCommands } from '../firmware-ts/src/api/commands/index.js';

/** Handlers are never run here; the publisher only satisfies the factories. */
const NO_PUBLISHER: Publisher = { publish: () => Promise.resolve() };

export function currentAsyncApi(): string {
  return renderAsyncApi(allCommands(NO_PUBLISHER));
}

/** The repository root, from scripts/ or from dist/scripts/. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const file = join(repoRoot(), 'docs', 'asyncapi.yaml');
  const text = currentAsyncApi();
  if (process.argv.includes('--check')) {
    const stale = !existsSync(file) || readFileSync(file, 'utf8') !== text;
    console.log(stale ? `${file} is stale: run npm run docs:asyncapi` : `${file} is current`);
    process.exitCode = stale ? 1 : 0;
  } else {
    writeFileSync(file, text);
    console.log(`wrote ${file}`);
  }
}
