// The node flags systemd/vim-gateway.service starts the gateway with, read from its
// ExecStart, so that every gateway the bench starts runs as the van runs it (heap cap,
// young-generation size) and the bench cannot drift from the unit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function serviceNodeArgs(): string[] {
  for (const unit of [join(import.meta.dirname, '..', '..', '..', 'systemd', 'vim-gateway.service'), join(import.meta.dirname, '..', '..', 'systemd', 'vim-gateway.service')]) {
    try {
      const exec = /^ExecStart=\S*node((?:\s+--\S+)*)\s/m.exec(readFileSync(unit, 'utf8'));
      if (exec) return exec[1]!.trim().split(/\s+/).filter(Boolean);
    } catch {
      /* try the next place */
    }
  }
  // The unit's heap cap when the unit cannot be read.
  return ['--max-old-space-size=384'];
}

export const SERVICE_NODE_ARGS: readonly string[] = serviceNodeArgs();
