#!/usr/bin/env node
// `vimgw`: the maintenance crew's one tool over SSH. English output, --json for
// scripts, exit codes per cli/output.ts.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { configCheck } from './config-check.js';
import { gnssReplay } from './gnss-replay.js';
import { gnssWatch } from './gnss-watch.js';
import { EXIT, UsageError } from './output.js';
import { readSecret, userCommand } from './user.js';

const HELP = `usage: vimgw <command> [options]

commands:
  config check [FILE] [--json]          validate a config without starting anything
  user add NAME --role ROLE [--password-stdin] [--file F | --config F]
  user list [--json] [--file F | --config F]
  user remove NAME [--file F | --config F]
  gnss replay FILE [--json]             a recorded NMEA log through the driver's parser, one fix per line
  gnss watch [--count N] [--json] [--url U] [--user U]
                                        follow vim/state/gnss (password from $VIMGW_PASSWORD or a prompt)
  tablet list [--json]                  every MQTT command with its arguments, from the schemas
  tablet SERVICE ACTION [--ARG VALUE ...] [--payload JSON] [--id UUID] [--json] [--url U] [--user U]
                                        send a command as a tablet and print the reply, e.g.
                                        vimgw tablet queue take --service A --user kiosk1
  tablet watch [TOPIC ...] [--count N] [--json]
                                        print queue state and events (vimgw tablet --help for more)

roles: staff, kiosk, display, maintenance
exit codes: 0 ok, 1 failed, 2 degraded, 3 unreachable, 64 usage error, 78 invalid config`;

const OPTIONS = {
  json: { type: 'boolean', default: false },
  role: { type: 'string' },
  'password-stdin': { type: 'boolean', default: false },
  file: { type: 'string' },
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
  count: { type: 'string' },
  url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
  user: { type: 'string', default: 'bakim' },
  timeout: { type: 'string', default: '10' },
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

async function run(argv: string[]): Promise<number> {
  const tablet = tabletArgv(argv);
  // Loaded on demand: only the tablet needs the command catalog.
  if (tablet) return (await import('./tablet.js')).tabletCommand(tablet);
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  const [cmd, sub, arg] = positionals;
  if (values.help || cmd === undefined || cmd === 'help') {
    process.stdout.write(`${HELP}\n`);
    return values.help || cmd === 'help' ? EXIT.ok : EXIT.usage;
  }
  switch (cmd) {
    case 'config':
      if (sub !== 'check') throw new UsageError('config: expected "check"');
      return configCheck(arg ?? values.config ?? process.env.VIM_CONFIG ?? null, values.json);
    case 'user':
      return userCommand({
        action: sub,
        name: arg,
        role: values.role,
        passwordStdin: values['password-stdin'],
        file: values.file,
        config: values.config,
        json: values.json,
      });
    case 'gnss':
      if (sub === 'replay') {
        if (!arg) throw new UsageError('gnss replay: FILE is required');
        return gnssReplay(arg, values.json);
      }
      if (sub === 'watch') {
        const timeoutS = Number(values.timeout);
        if (!(timeoutS > 0)) throw new UsageError('--timeout: must be a positive number of seconds');
        const count = values.count === undefined ? null : Number(values.count);
        // Arguments first: a usage error must not ask for a password.
        if (count !== null && (!Number.isInteger(count) || count < 1)) throw new UsageError('--count: must be a positive integer');
        return gnssWatch({
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

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`vimgw: ${(e as Error).message}\nrun "vimgw --help" for usage\n`);
      process.exit(EXIT.usage);
    }
    process.stderr.write(`vimgw: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(EXIT.failed);
  },
);
