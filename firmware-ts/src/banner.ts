// The start-up banner for a human at a terminal: endpoints and, on the simulated
// bench, how to log in. It goes to stderr so stdout stays pure JSON for journald.
import type { Gateway } from './gateway.js';

export function printBanner(gw: Gateway, configFile: string | null, readyMs: number): void {
  const cfg = gw.config;
  const mqtt = gw.broker.endpoints.find((e) => e.startsWith('mqtt://'));
  const lines = [
    '',
    `VİM gateway ${cfg.vehicle.id} (${cfg.vehicle.name}) ready in ${readyMs} ms (config: ${configFile ?? 'built-in defaults'})`,
    `  broker:   ${gw.broker.endpoints.join('  ')}`,
    `  journal:  ${gw.store.path}`,
  ];
  const demo = cfg.demo?.logins ?? [];
  if (demo.length && mqtt) {
    const url = new URL(mqtt);
    lines.push('  demo logins (simulated bench only):');
    for (const l of demo) lines.push(`    ${l.role.padEnd(12)} ${l.username} / ${l.password}`);
    const m = demo.find((l) => l.role === 'maintenance') ?? demo[0]!;
    lines.push(
      '  watch the state:',
      `    mosquitto_sub -h ${url.hostname} -p ${url.port} -i ${m.username}@sub -u ${m.username} -P '${m.password}' -t 'vim/state/#' -v`,
    );
  }
  process.stderr.write(lines.join('\n') + '\n\n');
}
