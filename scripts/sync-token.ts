// Makes a bearer token for a pull API consumer (sync.pull.consumers[]): prints the
// token once (give it to HQ) and the config entry with its SHA-256 (the config never
// holds the token itself).
//
//   node dist/scripts/sync-token.js hq
import { newToken } from '../firmware-ts/src/sync/pull/auth.js';

const name = process.argv[2];
if (!name || !/^[a-z][a-z0-9-]{0,31}$/.test(name)) {
  process.stderr.write('usage: sync-token NAME   (lower case letters, digits and -, e.g. hq)\n');
  process.exit(64);
}
const t = newToken();
process.stdout.write(`token for "${name}" (give it to HQ; it is not stored anywhere):\n  ${t.token}\n`);
process.stdout.write(`config entry for sync.pull.consumers:\n  ${JSON.stringify({ name, tokenSha256: t.tokenSha256 })}\n`);
