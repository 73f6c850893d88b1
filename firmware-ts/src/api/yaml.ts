// A block-style YAML writer for JSON values (objects, arrays, strings, finite
// numbers, booleans, null), for the generated docs/asyncapi.yaml. It is tiny on
// purpose: the document needs no anchors, tags or multi-line strings, and the
// output must be byte-for-byte deterministic for the staleness test. Key order is
// insertion order. Any string that a YAML 1.1 or 1.2 reader could take for
// something else (a number, a boolean, null, a flow collection, a comment) is
// written double-quoted; JSON's string escapes are valid in YAML double quotes.

/** Strings safe to write plain: start with a (Unicode) letter, `_` or `$`, no `: `, ` #` or flow characters. */
const PLAIN = /^[\p{L}_$][\p{L}\p{N} _$.,()/<>'+=@-]*$/u;
const RESERVED = /^(true|false|null|yes|no|on|off|y|n|~)$/i;

function scalar(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`yaml: ${v} is not a JSON number`);
    return String(v);
  }
  if (typeof v === 'string') {
    const plain = PLAIN.test(v) && !RESERVED.test(v) && !v.endsWith(' ') && !v.includes(': ') && !v.includes(' #');
    return plain ? v : JSON.stringify(v);
  }
  throw new Error(`yaml: cannot write a ${typeof v}`);
}

function isBlock(v: unknown): v is Record<string, unknown> | unknown[] {
  if (Array.isArray(v)) return v.length > 0;
  return typeof v === 'object' && v !== null && Object.keys(v).length > 0;
}

function inline(v: unknown): string {
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'object' && v !== null) return '{}';
  return scalar(v);
}

/** Lines of a non-empty object or array, each indented by `pad`. */
function block(v: Record<string, unknown> | unknown[], pad: string): string[] {
  const out: string[] = [];
  if (Array.isArray(v)) {
    for (const item of v) {
      if (!isBlock(item)) {
        out.push(`${pad}- ${inline(item)}`);
        continue;
      }
      // The item's first line shares the dash's line; the rest line up under it.
      const inner = block(item, `${pad}  `);
      out.push(`${pad}- ${inner[0]!.slice(pad.length + 2)}`, ...inner.slice(1));
    }
    return out;
  }
  for (const [k, val] of Object.entries(v)) {
    if (val === undefined) continue;
    if (isBlock(val)) out.push(`${pad}${scalar(k)}:`, ...block(val, `${pad}  `));
    else out.push(`${pad}${scalar(k)}: ${inline(val)}`);
  }
  return out;
}

/** The YAML document for a JSON value, ending in a newline. */
export function toYaml(value: unknown): string {
  return `${isBlock(value) ? block(value, '').join('\n') : inline(value)}\n`;
}
