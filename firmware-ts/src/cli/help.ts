// `vimgw --help` and `vimgw COMMAND --help`: every command with an example.

export const EXIT_HELP = 'exit codes: 0 healthy, 1 degraded (or the action failed), 2 failed, 3 daemon unreachable, 64 usage error, 78 invalid config';

const COMMON = `common options:
  --json               machine-readable output
  --socket PATH        the control socket (default: control.socket from --config, $VIM_CONFIG or
                       /etc/vim-gateway/config.json, else /run/vim-gateway/control.sock; or $VIMGW_SOCKET)
  --timeout S          seconds to wait for the gateway (default 10)`;

export const HELP = `usage: vimgw <command> [options]

the running gateway (through its control socket):
  status                    one screen: gateway, parts, devices, broker, store, backlog, clock, disk, CPU
  diag                      status plus system facts (OS, Pi model, memory, disks, network, Wi-Fi clients)
  devices                   the device list
  modem status|at CMD|sms-test NUMBER
  print test [PRINTER]      a test page
  display test              a test pattern on the LED board
  chime                     one chime pulse
  terminal status           the card terminal (live ZVT status enquiry)
  queue                     services, counters and waiting tickets
  outbox                    what HQ does not have yet, per consumer and class
  sync status|now           the HQ link; try now and follow the backlog
  export --since DATE       the records since DATE as NDJSON on stdout, for HQ (redirect to a file)
  logs [--part P] [-f]      the gateway's journal, readable

without the daemon:
  selftest [--offline]      probe every configured device directly (run it with the gateway stopped)
  config check [FILE]       validate a config without starting anything
  journal compact [--force] rewrite an old journal with 1 KiB pages (run it with the gateway stopped)
  user add NAME --role ROLE [--supervisor] [--expires DATE] | user list | user remove NAME
  gnss replay FILE | gnss watch [--count N]
  tablet SERVICE ACTION [--ARG VALUE ...] | tablet list | tablet watch

run "vimgw COMMAND --help" for a command's options and an example.
roles: staff, kiosk, display, maintenance
${EXIT_HELP}`;

export const COMMAND_HELP: Record<string, string> = {
  status: `usage: vimgw status [--json]
  One screen: the gateway's state, every part and device (state, since when, why), broker
  clients, the store, the HQ backlog, the clock, disk, CPU temperature and throttling.
example:
  vimgw status`,
  diag: `usage: vimgw diag [--json]
  Everything behind the status screen plus system facts: OS, kernel, Pi model, memory, disks and
  the SD card, network interfaces, Wi-Fi clients, uptime. System facts are shown even when the
  gateway is down (exit 3 then). Takes a few seconds.
example:
  vimgw diag --json > /tmp/diag.json`,
  devices: `usage: vimgw devices [--json]
  Each configured device: kind, state, since when, port and detail.
example:
  vimgw devices`,
  modem: `usage: vimgw modem status [--json]
       vimgw modem at 'AT...' [--force] [--timeout S] [--json]
       vimgw modem sms-test NUMBER [--text TEXT] [--json]
  at: one AT command, queued behind the driver's own. One line, at most 512 bytes. Commands that
  switch the radio off (AT+CFUN=0), power the module down, write its NVRAM (AT&W, AT+QCFG=...) or
  change what the driver relies on need --force.
  sms-test: a test SMS with Turkish letters (UCS2), through the modem.
examples:
  vimgw modem at 'AT+CSQ'
  vimgw modem sms-test +905321234567`,
  print: `usage: vimgw print test [PRINTER] [--json]
  Queues a test page (Turkish letters, code page, QR) on PRINTER (default: the first printer) and
  asks the printer for its status (DLE EOT; ESC ACK SOH on a Star).
example:
  vimgw print test desk`,
  display: `usage: vimgw display test [--json]
  Shows a test pattern on the LED board for 5 s, then the queue again.
example:
  vimgw display test`,
  chime: `usage: vimgw chime [--json]
  Pulses the chime once.
example:
  vimgw chime`,
  terminal: `usage: vimgw terminal status [--json]
  The card terminal's state, with a live ZVT status enquiry unless a payment is running.
example:
  vimgw terminal status`,
  queue: `usage: vimgw queue [--json]
  Services with waiting tickets and estimated waits, and the counters.
example:
  vimgw queue`,
  outbox: `usage: vimgw outbox [--json]
  Records HQ does not have yet, per consumer (push, pull) and class, with the oldest one's age.
example:
  vimgw outbox`,
  sync: `usage: vimgw sync status [--json]
       vimgw sync now [--wait S] [--json]
  now: asks the sync part to try HQ at once, then follows the backlog until it is empty, stops
  shrinking for 15 s, or --wait (default 60) runs out.
example:
  vimgw sync now --wait 300`,
  export: `usage: vimgw export --since DATE [--offline] [--config FILE] > FILE
  Every record from the first one created at or after DATE, as NDJSON (a header line, the
  records, an end line), for HQ to import when the modem is dead. DATE: YYYY-MM-DD (a day in
  Istanbul time), an ISO time, or 7d / 12h back from now. When the gateway is not running (or
  with --offline) the journal file named by the config is read directly. The file holds personal
  data: keep the stick safe and delete the file once HQ has imported it.
example:
  vimgw export --since 2025-03-01 > /media/usb/VIM-01-2025-03-01.ndjson`,
  logs: `usage: vimgw logs [--part PART] [-f] [-n N] [--since TIME] [--json]
  The gateway's journal (journalctl -u vim-gateway), one readable line per entry; --part keeps one
  part's lines (gnss, modem, printer, broker, store, sync, control ...); --json passes pino's lines.
example:
  vimgw logs --part modem -f`,
  selftest: `usage: vimgw selftest [--offline] [--config FILE] [--json]
  Probes every configured device directly: opens each serial port, reads NMEA for up to 5 s,
  sends AT and reads CSQ/CREG, asks the printer for its status, sends a ZVT status enquiry, reads
  the GPIO lines. Pass/fail per device with the reason. Runs when the gateway is stopped (it owns
  the ports while it runs), or with --offline to probe anyway.
example:
  sudo systemctl stop vim-gateway && sudo -u vimgw vimgw selftest; sudo systemctl start vim-gateway`,
  config: `usage: vimgw config check [FILE] [--json]
  Validates a config file (default $VIM_CONFIG) without starting anything.
example:
  vimgw config check /etc/vim-gateway/config.json`,
  journal: `usage: vimgw journal compact [--config FILE | --file JOURNAL] [--force] [--json]
  Rewrites a journal made before 1 KiB pages (4 KiB pages write about twice as much to the SD
  card) with 1 KiB pages: checkpoint, VACUUM, back to WAL, then integrity_check must say ok.
  Records, sequence numbers, ids and delivery state stay as they were. The journal is the one the
  config names (dataDir/store.file; --config, else $VIM_CONFIG, else /etc/vim-gateway/config.json)
  or --file. Refused while the gateway runs (its control socket answers, or SQLite finds the
  journal open), without room for SQLite's two copies (the journal and its WAL plus 10 %, once in
  /var/tmp or $SQLITE_TMPDIR, once beside the journal), and for a file that is not a journal of
  this gateway or has a newer schema. A journal that already has 1 KiB pages is left alone
  unless --force. About a minute per GB; safe to interrupt (SQLite rolls an unfinished VACUUM back).
example:
  sudo systemctl stop vim-gateway && sudo -u vimgw vimgw journal compact; sudo systemctl start vim-gateway`,
  user: `usage: vimgw user add NAME --role ROLE [--supervisor | --no-supervisor] [--password-stdin] [--expires DATE]
                      [--file F | --config F]
       vimgw user list [--json] [--file F | --config F]
       vimgw user remove NAME [--file F | --config F]
  Broker users, in the credentials file the gateway watches (no restart needed).
  --expires: YYYY-MM-DD (valid through that day, local time) or an ISO 8601 time; logins are
  refused from then on.
  --supervisor: a staff user who may void, refund and review card payments; --no-supervisor takes it
  away. Re-adding a staff user without either keeps what they had; other roles never have it.
examples:
  vimgw user add personel2 --role staff --config /etc/vim-gateway/config.json
  vimgw user add sef1 --role staff --supervisor --config /etc/vim-gateway/config.json`,
  gnss: `usage: vimgw gnss replay FILE [--json]
       vimgw gnss watch [--count N] [--json] [--url U] [--user U]
  replay: a recorded NMEA log through the driver's parser, one fix per line on stdout (--json:
  gpsd's TPV fields); progress on stderr (a bar on a terminal, a line every 5 s otherwise).
  watch: follow vim/state/gnss (password from $VIMGW_PASSWORD or a prompt).
examples:
  vimgw gnss watch --count 5 --user bakim
  vimgw gnss replay /var/lib/vim-gateway/gnss-2025-03-01.nmea --json > fixes.ndjson`,
};

export function commandHelp(cmd: string): string | null {
  const h = COMMAND_HELP[cmd];
  return h === undefined ? null : `${h}\n\n${COMMON}\n${EXIT_HELP}`;
}
