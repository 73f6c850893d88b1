// Checks an AT passthrough line (`vimgw modem at`) before it reaches the modem.
// A crew typing on a poor SSH link must not, by one slip, switch the radio off in a
// van hours from the depot, write the module's NVRAM, or change the session settings
// the driver relies on (result format, SMS mode, baud rate). Those need `force`.

export const MAX_AT_BYTES = 512;

export type AtCheck = { ok: true; command: string } | { ok: false; code: 'BAD_AT' | 'DANGEROUS_AT'; message: string };

/** Extended commands refused in any form but a read (`?`) or a test (`=?`). */
const ALWAYS: Record<string, string> = {
  '+CPOF': 'powers the module off',
  '+QPOWD': 'powers the module off',
  '+CPWROFF': 'powers the module off',
  '+CRESET': 'resets the module',
  '+QNVW': "writes the module's NVRAM",
  '+QNVFW': "writes the module's NVRAM",
  '+QFOTADL': 'starts a firmware update',
  '+QPRTPARA': "writes the module's NVRAM",
};

/** Extended commands refused when they set something (`=...`). */
const WHEN_SET: Record<string, string> = {
  '+CFUN': 'changes the radio function: =0 or =4 turn the radio off, =1,1 reboots the module',
  '+QCFG': "writes the module's NVRAM configuration",
  '+QURCCFG': "writes the module's NVRAM configuration",
  '+QMBNCFG': "changes the module's carrier profiles",
  '+CGDCONT': 'changes the APN (kept in NVRAM)',
  '+QICSGP': 'changes the APN (kept in NVRAM)',
  '+CPIN': 'enters a PIN: three wrong ones block the SIM',
  '+CLCK': 'locks or unlocks the SIM',
  '+CPWD': 'changes a SIM password',
  '+CSCA': 'changes the SMS centre stored on the SIM',
  '+COPS': 'changes operator selection (a manual choice can leave the van unregistered)',
  '+IPR': "changes the port's baud rate: the gateway loses the modem",
  '+ICF': "changes the port's character framing: the gateway loses the modem",
  '+IFC': "changes the port's flow control",
  '+CMEE': 'changes error reporting the driver parses',
  '+CMGF': 'changes the SMS mode the driver relies on',
  '+CSCS': 'changes the character set the driver relies on',
  '+QSCLK': 'lets the module sleep',
  '+CSCLK': 'lets the module sleep',
};

/** Basic (V.250) commands, as letter + optional digits; refused ones and why. */
function basicDanger(token: string): string | null {
  if (/^&W\d*$/.test(token)) return "writes the module's NVRAM profile";
  if (/^&F\d*$/.test(token)) return 'restores factory settings';
  if (/^Z\d*$/.test(token)) return 'resets the module to a stored profile';
  if (token === 'Q1') return 'silences result codes: the driver would see no answer';
  if (token === 'V0') return 'switches to numeric result codes the driver does not parse';
  return null;
}

/** The line with spaces outside quotes removed and letters outside quotes upper-cased. */
function normalise(line: string): string {
  let out = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === ' ') continue;
    out += quoted ? ch : ch.toUpperCase();
  }
  return out;
}

const refuse = (what: string, why: string): AtCheck => ({
  ok: false,
  code: 'DANGEROUS_AT',
  message: `${what} ${why}; pass --force if you really mean it`,
});

export function checkAtCommand(input: unknown, force: boolean): AtCheck {
  if (typeof input !== 'string' || input.length === 0) return { ok: false, code: 'BAD_AT', message: 'an AT command is required, e.g. AT+CSQ' };
  if (/[\r\n]/.test(input)) return { ok: false, code: 'BAD_AT', message: 'the command must be one line: a newline would end it early and send the rest as another command' };
  if (Buffer.byteLength(input) > MAX_AT_BYTES) return { ok: false, code: 'BAD_AT', message: `the command is ${Buffer.byteLength(input)} bytes; at most ${MAX_AT_BYTES}` };
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(input)) return { ok: false, code: 'BAD_AT', message: 'control characters (Ctrl-Z, ESC ...) are not allowed' };
  if (!/^AT/i.test(input)) return { ok: false, code: 'BAD_AT', message: 'the command must start with AT' };
  if ((input.match(/"/g)?.length ?? 0) % 2 !== 0) return { ok: false, code: 'BAD_AT', message: 'unbalanced quotes' };
  const command = input.trim();
  if (force) return { ok: true, command };
  const norm = normalise(command);
  const body = norm.slice(2);
  // V.250 lets one line carry several commands (AT+CSQ;+CFUN=0): checking each is error-prone, so it takes --force.
  if (/;(?=(?:[^"]*"[^"]*")*[^"]*$)/.test(body)) return refuse('a line with several commands (;)', 'is checked only as a whole');
  const ext = /^([+*^$#%][A-Z0-9]+)(.*)$/.exec(body);
  if (ext) {
    const [, name = '', rest = ''] = ext;
    const isQuery = rest === '?' || rest === '=?';
    if (!isQuery && ALWAYS[name]) return refuse(`AT${name}`, ALWAYS[name]);
    if (rest.startsWith('=') && !isQuery && WHEN_SET[name]) return refuse(`AT${name}=...`, WHEN_SET[name]);
    return { ok: true, command };
  }
  // Basic commands, possibly several in a row: ATE0V0, AT&W, ATZ.
  for (const token of body.match(/&?[A-Z]\d*|S\d+[=?]\d*/g) ?? []) {
    const why = basicDanger(token);
    if (why) return refuse(`AT${token}`, why);
  }
  return { ok: true, command };
}
