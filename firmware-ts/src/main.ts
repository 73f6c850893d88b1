// Process entry: arguments, config, the Gateway, signals and systemd notify/watchdog.
// A bad config exits 78 (EX_CONFIG) before anything starts; an unexpected error is
// logged and exits 70 so systemd restarts a clean process instead of one that limps.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { EX_CONFIG, loadConfig } from './config/load.js';
import { Gateway } from './gateway.js';
import { createLogger, type Logger } from './log/logger.js';
import { SdNotify } from './platform/sd-notify.js';
import { formatFieldErrors } from './schema/validator.js';
import { printBanner } from './banner.js';
import { VERSION } from './version.js';

const EX_USAGE = 64;
const EX_SOFTWARE = 70;
const STOP_DEADLINE_MS = 10_000;

function usage(): string {
  return 'usage: vim-gateway [--config FILE]   (or VIM_CONFIG=FILE)\n       vim-gateway --version';
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({ options: { config: { type: 'string', short: 'c' }, version: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${usage()}\n`);
    process.exit(EX_USAGE);
  }
  if (args.values.help) return void process.stdout.write(`${usage()}\n`);
  if (args.values.version) return void process.stdout.write(`${VERSION}\n`);

  const t0 = performance.now();
  const loaded = loadConfig(args.values.config ?? null);
  if (!loaded.ok) {
    process.stderr.write(`config ${loaded.file ?? '(defaults)'} is invalid:\n${formatFieldErrors(loaded.errors)}\n`);
    process.exit(EX_CONFIG);
  }
  const config = loaded.config;
  const log = createLogger(config.log);
  installCrashHandlers(log);

  const notify = new SdNotify();
  // Ignition off for long enough: the same orderly stop as SIGTERM (systemd then decides about power).
  const gateway = new Gateway(config, log, {
    onShutdownRequest: (why) => {
      log.warn({ why }, 'stopping the gateway');
      process.kill(process.pid, 'SIGTERM');
    },
  });
  await gateway.start();
  const readyMs = Math.round(performance.now() - t0);
  notify.send('READY=1');
  log.info({ readyMs, version: VERSION, endpoints: gateway.broker.endpoints, config: loaded.file }, 'gateway ready');
  printBanner(gateway, loaded.file, readyMs);

  const stopWatchdog = startWatchdog(notify, gateway, log);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    notify.send('STOPPING=1');
    stopWatchdog();
    const deadline = setTimeout(() => {
      const s = gateway.stopping;
      log.error({ deadlineMs: STOP_DEADLINE_MS, part: s?.part, partStoppingForMs: s && Math.round(performance.now() - s.sinceMs) }, 'stop deadline passed; exiting');
      process.exit(EX_SOFTWARE);
    }, STOP_DEADLINE_MS);
    gateway.stop().then(
      () => {
        clearTimeout(deadline);
        log.info('stopped');
        notify.close();
        process.exit(0);
      },
      (e: unknown) => {
        log.fatal({ err: e }, 'stop failed');
        process.exit(EX_SOFTWARE);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

function installCrashHandlers(log: Logger): void {
  const die = (kind: string) => (err: unknown) => {
    log.fatal({ err }, `${kind}; exiting for a clean restart`);
    process.exit(EX_SOFTWARE);
  };
  process.on('uncaughtException', die('uncaught exception'));
  process.on('unhandledRejection', die('unhandled rejection'));
}

/**
 * WATCHDOG=1 only while the event loop turns promptly and the store answers;
 * otherwise systemd's WatchdogSec restarts us. Returns a function that stops it.
 */
function startWatchdog(notify: SdNotify, gateway: Gateway, log: Logger): () => void {
  const periodMs = SdNotify.watchdogMs();
  if (!notify.enabled || periodMs === null) return () => {};
  const maxLag = gateway.config.systemd.maxEventLoopLagMs;
  const resolutionMs = 20;
  const delay = monitorEventLoopDelay({ resolution: resolutionMs });
  delay.enable();
  let withheld = false;
  const timer = setInterval(() => {
    // The histogram's values include its own 20 ms interval; the lag is what is beyond it.
    const lagMs = Math.max(0, delay.max / 1e6 - resolutionMs);
    delay.reset();
    const storeOk = gateway.store.responsive();
    if (lagMs < maxLag && storeOk) {
      notify.send('WATCHDOG=1');
      if (withheld) log.info('watchdog pings resumed');
      withheld = false;
    } else if (!withheld) {
      withheld = true;
      log.error({ lagMs, storeOk }, 'withholding watchdog ping');
    }
  }, periodMs / 2);
  return () => {
    clearInterval(timer);
    delay.disable();
  };
}

main().catch((e: unknown) => {
  process.stderr.write(`start failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(EX_SOFTWARE);
});
