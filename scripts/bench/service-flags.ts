// The node flags and environment systemd/vim-gateway.service starts the gateway with, read
// from its ExecStart and Environment lines, so that every gateway the bench and the soak
// start runs as the van runs it (heap cap, young-generation size, malloc arenas) and
// neither can drift from the unit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function unitText(): string | null {
  for (const unit of [join(import.meta.dirname, '..', '..', '..', 'systemd', 'vim-gateway.service'), join(import.meta.dirname, '..', '..', 'systemd', 'vim-gateway.service')]) {
    try {
      return readFileSync(unit, 'utf8');
    } catch {
      /* try the next place */
    }
  }
  return null;
}

const UNIT = unitText();

function serviceNodeArgs(): string[] {
  const exec = UNIT && /^ExecStart=\S*node((?:\s+--\S+)*)\s/m.exec(UNIT);
  if (exec) return exec[1]!.trim().split(/\s+/).filter(Boolean);
  // The unit's heap cap when the unit cannot be read.
  return ['--max-old-space-size=384'];
}

function serviceEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of (UNIT ?? '').matchAll(/^Environment=(.*)$/gm)) {
    for (const kv of m[1]!.trim().split(/\s+/)) {
      const i = kv.indexOf('=');
      if (i > 0 && kv.startsWith('MALLOC_')) env[kv.slice(0, i)] = kv.slice(i + 1);
    }
  }
  // The unit's allocator settings when the unit cannot be read.
  return Object.keys(env).length > 0 ? env : { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '1048576' };
}

export const SERVICE_NODE_ARGS: readonly string[] = serviceNodeArgs();
/** The unit's MALLOC_* settings (glibc arenas and mmap threshold: RSS on a Pi). */
export const SERVICE_MALLOC_ENV: Readonly<Record<string, string>> = serviceEnv();
