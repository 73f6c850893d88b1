// The pages' static files, read once at start from public/ beside this module (copied
// into dist/ by scripts/copy-web-assets.mjs). They are small, and holding them in memory
// means an SD card hiccup never breaks the page in the window.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ASSETS } from './routes.js';

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

export const PAGES = ['index.html', 'ticket.html'] as const;

function asset(body: Buffer, name: string): Asset {
  const type = TYPES[extname(name)] ?? 'application/octet-stream';
  return { body, type, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"` };
}

/**
 * Reads every page and asset; a missing file is a packaging error (dist built without
 * the copy step) and fails loudly rather than serving a half page.
 * `vars` fill `{{name}}` placeholders in the pages, HTML-escaped.
 */
export async function loadAssets(vars: Record<string, string>, dir = PUBLIC_DIR): Promise<Map<string, Asset>> {
  const out = new Map<string, Asset>();
  for (const name of [...PAGES, ...ASSETS]) {
    let body: Buffer;
    try {
      body = await readFile(`${dir}${name}`);
    } catch (e) {
      throw new Error(`web asset ${name} missing in ${dir} (was the build's copy step run?): ${(e as Error).message}`);
    }
    if (name.endsWith('.html')) {
      body = Buffer.from(body.toString('utf8').replace(/\{\{(\w+)\}\}/g, (_m, k: string) => escapeHtml(vars[k] ?? '')));
    }
    out.set(name, asset(body, name));
  }
  return out;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
