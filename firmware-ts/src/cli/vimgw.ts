#!/usr/bin/env node
// `vimgw`: the maintenance crew's one tool over SSH. English output, --json for
// scripts, exit codes per cli/output.ts. Commands for the running gateway talk to
// its control socket (cli/control-client.ts); selftest probes devices directly.
// Each command's module is loaded on demand, so `vimgw status` stays fast.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { makeContext, seconds, type CliContext } from './context.js';
import { commandHelp, HELP } from './help.js';
import { EXIT, UsageError } from './output.js';

const OPTIONS = {
  json: { type: 'boolean', default: false },
  role: { type: 'string' },
  'password-stdin': { type: 'boolean', default: false },
  supervisor: { type: 'boolean' },
  'no-supervisor': { type: 'boolean' },
  expires: { type: 'string' },
  file: { type: 'string' },
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
  count: { type: 'string' },
  url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
  user: { type: 'string', default: 'bakim' },
  timeout: { type: 'string', default: '10' },
  socket: { type: 'string' },
  force: { type: 'boolean', default: false },
  follow: { type: 'boolean', short: 'f', default: false },
  offline: { type: 'boolean', default: false },
  part: { type: 'string' },
  since: { type: 'string' },
  lines: { type: 'string', short: 'n' },
  text: { type: 'string' },
  wait: { type: 'string' },
} satisfies ParseArgsConfig['options'];

/**
 * `tablet` takes any command's fields as options (`--service A`), which the strict
 * parse below would refuse, so its argv (without the word `tablet`) goes to
 * cli/tablet-args.ts. The loose parse only finds the first positional word.
 */
function tabletArgv(argv: string[]): string[] | null {
  const { tokens } = parseArgs({ args: argv, allowPositionals: true, strict: false, tokens: true, options: OPTIONS });
  const first = tokens.find((t) => t.kind === 'positional' || t.kind === 'option-terminator');
  if (first?.kind !== 'positional' || first.value !== 'tablet') return null;
  return [...argv.slice(0, first.index), ...argv.slice(first.index + 1)];
}

/** Commands with a sub-command word; for the others every positional is an argument. */
const WITH_SUB = new Set(['modem', 'print', 'display', 'terminal', 'sync', 'config', 'user', 'gnss']);

function only(sub: string | undefined, expected: string, cmd: string): void {
  if (sub !== expected) throw new UsageError(`${cmd}: expected "${cmd} ${expected}"`);
}

type Daemon = (ctx: CliContext, sub: string | undefined) => Promise<number>;

const DAEMON: Record<string, Daemon> = {
  status: async (ctx) => (await import('./status.js')).statusCommand(ctx),
  devices: async (ctx) => (await import('./status.js')).devicesCommand(ctx),
  diag: async (ctx) => (await import('./diag.js')).diagCommand(ctx),
  modem: async (ctx, sub) => (await import('./modem.js')).modemCommand(ctx, sub),
  print: async (ctx, sub) => (only(sub, 'test', 'print'), (await import('./device-tests.js')).printTest(ctx)),
  display: async (ctx, sub) => (only(sub, 'test', 'display'), (await import('./device-tests.js')).displayTest(ctx)),
  chime: async (ctx) => (await import('./device-tests.js')).chime(ctx),
  terminal: async (ctx, sub) => (only(sub ?? 'status', 'status', 'terminal'), (await import('./device-tests.js')).terminalStatus(ctx)),
  queue: async (ctx) => (await import('./backlog.js')).queueCommand(ctx),
  outbox: async (ctx) => (await import('./backlog.js')).outboxCommand(ctx),
  sync: async (ctx, sub) => (await import('./backlog.js')).syncCommand(ctx, sub),
  export: async (ctx) => (await import('./export.js')).exportCommand(ctx),
  logs: async (ctx) => (await import('./logs.js')).logsCommand(ctx),
  selftest: async (ctx) => (await import('./selftest/selftest.js')).selftestCommand(ctx),
};

async function local(cmd: string, sub: string | undefined, arg: string | undefined, values: ReturnType<typeof parse>['values']): Promise<number> {
  switch (cmd) {
    case 'config':
      if (sub !== 'check') throw new UsageError('config: expected "check"');
      return (await import('./config-check.js')).configCheck(arg ?? values.config ?? process.env.VIM_CONFIG ?? null, values.json);
    case 'user':
      return (await import('./user.js')).userCommand({
        action: sub,
        name: arg,
        role: values.role,
        passwordStdin: values['password-stdin'],
        supervisor: values.supervisor,
        noSupervisor: values['no-supervisor'],
        expires: values.expires,
        file: values.file,
        config: values.config,
        json: values.json,
      });
    case 'journal':
      if (sub !== 'compact') throw new UsageError('journal: expected "compact"');
      if (arg !== undefined) throw new UsageError(`journal compact: unexpected argument "${arg}" (name a journal with --file)`);
      return (await import('./journal-compact.js')).journalCompact({ config: values.config, file: values.file, socket: values.socket, json: values.json, force: values.force });
    case 'gnss':
      if (sub === 'replay') {
        if (!arg) throw new UsageError('gnss replay: FILE is required');
        return (await import('./gnss-replay.js')).gnssReplay(arg, values.json);
      }
      if (sub === 'watch') {
        const timeoutS = seconds(values.timeout, '--timeout');
        const count = values.count === undefined ? null : Number(values.count);
        // Arguments first: a usage error must not ask for a password.
        if (count !== null && (!Number.isInteger(count) || count < 1)) throw new UsageError('--count: must be a positive integer');
        const { readSecret } = await import('./user.js');
        return (await import('./gnss-watch.js')).gnssWatch({
          url: values.url,
          user: values.user,
          password: process.env.VIMGW_PASSWORD ?? (await readSecret('password: ')),
          count,
          json: values.json,
          timeoutS,
        });
      }
      throw new UsageError('gnss: expected "replay FILE" or "watch"');
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
}

function parse(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
}

async function run(argv: string[]): Promise<number> {
  const tablet = tabletArgv(argv);
  // Loaded on demand: only the tablet needs the command catalog.
  if (tablet) return (await import('./tablet.js')).tabletCommand(tablet);
  const { values, positionals } = parse(argv);
  const [cmd, ...rest] = positionals;
  if (cmd === undefined || cmd === 'help') {
    process.stdout.write(`${HELP}\n`);
    return values.help || cmd === 'help' ? EXIT.ok : EXIT.usage;
  }
  if (values.help) {
    const h = commandHelp(cmd);
    process.stdout.write(`${h ?? HELP}\n`);
    return h === null ? EXIT.usage : EXIT.ok;
  }
  const daemon = DAEMON[cmd];
  if (daemon && Object.hasOwn(DAEMON, cmd)) {
    const sub = WITH_SUB.has(cmd) ? rest[0] : undefined;
    const args = WITH_SUB.has(cmd) ? rest.slice(1) : rest;
    if (!['modem', 'print', 'export', 'selftest'].includes(cmd) && args.length > 0) throw new UsageError(`${cmd}: unexpected argument "${args[0]}"`);
    return daemon(makeContext(values, args), sub);
  }
  return local(cmd, rest[0], rest[1], values);
}

/** Exit code and message for an error; usage errors and unreachable daemons are the crew's to fix. */
async function report(e: unknown): Promise<number> {
  const { ControlReplyError, DaemonUnreachable } = await import('./control-client.js');
  if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`vimgw: ${(e as Error).message}\nrun "vimgw --help" for usage\n`);
    return EXIT.usage;
  }
  if (e instanceof DaemonUnreachable) {
    process.stderr.write(`vimgw: ${e.message}\n`);
    return EXIT.unreachable;
  }
  if (e instanceof ControlReplyError) {
    process.stderr.write(`vimgw: ${e.code}: ${e.message}\n`);
    // A bad argument the daemon caught (an SMS number, a printer name) is still a usage error.
    if (e.status === 400 || e.status === 404) return EXIT.usage;
    return e.status >= 500 ? 2 : EXIT.failed;
  }
  process.stderr.write(`vimgw: ${e instanceof Error ? e.message : String(e)}\n`);
  return EXIT.failed;
}

// `vimgw export ... | head`: a reader that stops early is normal, not a crash with a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => process.exit(e.code === 'EPIPE' ? EXIT.ok : EXIT.failed));

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => report(e).then((code) => process.exit(code)),
);
