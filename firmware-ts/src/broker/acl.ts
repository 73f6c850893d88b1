// Access control by role (DESIGN.md "MQTT API" roles). Patterns may contain
// `{clientId}`, replaced by the connecting client's id, so a tablet can only read
// its own replies. A subscription is allowed only if every topic it could match
// is allowed (the filter is covered by a pattern), so `vim/#` is not a way around.
// As in MQTT 3.1.1 §4.7.2, a wildcard first level never reaches `$` topics (`$SYS`, the
// broker's own), so not even `#` grants them.
import type { Role } from '../config/schema.js';
import { USERNAME_PATTERN } from './credentials.js';

export interface AclRules {
  publish: readonly string[];
  subscribe: readonly string[];
}

export const ROLE_ACL: Record<Role, AclRules> = {
  staff: {
    publish: ['vim/cmd/#', 'vim/staff/#'],
    subscribe: ['vim/reply/{clientId}', 'vim/state/#', 'vim/event/#', 'vim/staff/#'],
  },
  // Citizens' kiosk: take a ticket and see the queue, nothing else.
  kiosk: {
    publish: ['vim/cmd/queue/take'],
    subscribe: ['vim/reply/{clientId}', 'vim/state/queue', 'vim/event/queue/#'],
  },
  // The now-serving screen: read-only queue state.
  display: {
    publish: [],
    subscribe: ['vim/state/queue', 'vim/event/queue/#'],
  },
  // Crews debugging over SSH may watch everything (`mosquitto_sub -t '#'`), other clients'
  // replies included; never `$SYS`, and commands are never routed to anyone.
  maintenance: {
    publish: ['vim/cmd/#'],
    subscribe: ['#'],
  },
};

/** MQTT 3.1.1 §4.7 topic matching of a concrete topic against a filter. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '#' || f[0] === '+')) return false;
  for (let i = 0; i < f.length; i++) {
    const fl = f[i];
    if (fl === '#') return true;
    if (i >= t.length) return false;
    if (fl !== '+' && fl !== t[i]) return false;
  }
  return f.length === t.length;
}

/** True if every topic matched by `filter` is also matched by `pattern`. */
export function filterCovered(filter: string, pattern: string): boolean {
  const f = filter.split('/');
  const p = pattern.split('/');
  if (filter.startsWith('$') && (p[0] === '#' || p[0] === '+')) return false;
  for (let i = 0; i < f.length; i++) {
    const pl = p[i];
    if (pl === '#') return true;
    if (pl === undefined) return false;
    const fl = f[i];
    if (fl === '#') return false; // filter reaches deeper than the pattern allows
    if (pl === '+') continue;
    if (fl === '+' || fl !== pl) return false;
  }
  return f.length === p.length || (p.length === f.length + 1 && p[f.length] === '#');
}

function expand(pattern: string, clientId: string): string {
  return pattern.replace('{clientId}', clientId);
}

export function canPublish(role: Role, clientId: string, topic: string): boolean {
  return ROLE_ACL[role].publish.some((p) => topicMatches(expand(p, clientId), topic));
}

export function canSubscribe(role: Role, clientId: string, filter: string): boolean {
  return ROLE_ACL[role].subscribe.some((p) => filterCovered(filter, expand(p, clientId)));
}

const USERNAME_RE = new RegExp(USERNAME_PATTERN);
const SUFFIX_RE = /^[A-Za-z0-9_.-]{1,32}$/;

/**
 * A client id is tied to its user: `<username>` or `<username>@<device>`. Usernames
 * cannot contain `@`, so one user can never claim another user's session.
 */
export function clientIdAllowed(username: string, clientId: string): boolean {
  if (!USERNAME_RE.test(username)) return false;
  if (clientId === username) return true;
  if (!clientId.startsWith(`${username}@`)) return false;
  return SUFFIX_RE.test(clientId.slice(username.length + 1));
}
