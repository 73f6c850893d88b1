import { describe, expect, it } from 'vitest';
import { canPublish, canSubscribe, clientIdAllowed, filterCovered, topicMatches } from '../../firmware-ts/src/broker/acl.js';

describe('MQTT topic matching (MQTT 3.1.1 §4.7)', () => {
  it('matches + and # like the spec', () => {
    expect(topicMatches('vim/cmd/#', 'vim/cmd/queue/take')).toBe(true);
    expect(topicMatches('vim/cmd/#', 'vim/cmd')).toBe(true);
    expect(topicMatches('vim/+/queue', 'vim/state/queue')).toBe(true);
    expect(topicMatches('vim/+/queue', 'vim/state/queue/x')).toBe(false);
    expect(topicMatches('vim/state/queue', 'vim/state')).toBe(false);
  });

  it('covers a filter only if every topic it matches is allowed', () => {
    expect(filterCovered('vim/state/#', 'vim/state/#')).toBe(true);
    expect(filterCovered('vim/state/gnss', 'vim/state/#')).toBe(true);
    expect(filterCovered('vim/state', 'vim/state/#')).toBe(true);
    expect(filterCovered('vim/#', 'vim/state/#')).toBe(false);
    expect(filterCovered('#', 'vim/state/#')).toBe(false);
    expect(filterCovered('vim/+/gnss', 'vim/state/#')).toBe(false);
    expect(filterCovered('vim/reply/+', 'vim/reply/a')).toBe(false);
    expect(filterCovered('vim/event/+/called', 'vim/event/#')).toBe(true);
  });
});

describe('role ACL', () => {
  it('lets staff send commands and read only their own replies', () => {
    expect(canPublish('staff', 'ayse@tab1', 'vim/cmd/queue/next')).toBe(true);
    expect(canPublish('staff', 'ayse@tab1', 'vim/state/queue')).toBe(false);
    expect(canPublish('staff', 'ayse@tab1', 'vim/reply/ayse@tab1')).toBe(false);
    expect(canSubscribe('staff', 'ayse@tab1', 'vim/reply/ayse@tab1')).toBe(true);
    expect(canSubscribe('staff', 'ayse@tab1', 'vim/reply/mehmet@tab2')).toBe(false);
    expect(canSubscribe('staff', 'ayse@tab1', 'vim/reply/#')).toBe(false);
    expect(canSubscribe('staff', 'ayse@tab1', 'vim/#')).toBe(false);
    expect(canSubscribe('staff', 'ayse@tab1', 'vim/staff/#')).toBe(true);
  });

  it('lets the kiosk only take tickets', () => {
    expect(canPublish('kiosk', 'kiosk1', 'vim/cmd/queue/take')).toBe(true);
    expect(canPublish('kiosk', 'kiosk1', 'vim/cmd/queue/next')).toBe(false);
    expect(canPublish('kiosk', 'kiosk1', 'vim/staff/chat')).toBe(false);
    expect(canSubscribe('kiosk', 'kiosk1', 'vim/state/gnss')).toBe(false);
  });

  it('keeps the display read-only', () => {
    expect(canPublish('display', 'ekran1', 'vim/cmd/queue/take')).toBe(false);
    expect(canSubscribe('display', 'ekran1', 'vim/state/queue')).toBe(true);
    expect(canSubscribe('display', 'ekran1', 'vim/event/queue/called')).toBe(true);
    expect(canSubscribe('display', 'ekran1', 'vim/state/#')).toBe(false);
  });

  it('nobody publishes state, events, replies or HQ topics', () => {
    for (const role of ['staff', 'kiosk', 'display', 'maintenance'] as const) {
      for (const t of ['vim/state/gateway', 'vim/event/queue/called', 'vim/reply/x', 'vim/hq/plan', '$SYS/x']) {
        expect(canPublish(role, 'u', t)).toBe(false);
      }
    }
  });
});

describe('client id tied to its user', () => {
  it('allows the username or username@device', () => {
    expect(clientIdAllowed('ayse', 'ayse')).toBe(true);
    expect(clientIdAllowed('ayse', 'ayse@tablet-3')).toBe(true);
  });
  it('refuses another user\'s id, prefixes and odd characters', () => {
    expect(clientIdAllowed('ayse', 'mehmet')).toBe(false);
    expect(clientIdAllowed('ayse', 'mehmet@tablet-3')).toBe(false);
    expect(clientIdAllowed('ay', 'ayse')).toBe(false);
    expect(clientIdAllowed('ay', 'ayse@x')).toBe(false);
    expect(clientIdAllowed('ayse', 'ayse@')).toBe(false);
    expect(clientIdAllowed('ayse', 'ayse@a/b')).toBe(false);
    expect(clientIdAllowed('ayse', 'ayse@a#')).toBe(false);
    expect(clientIdAllowed('Ayşe', 'Ayşe')).toBe(false);
  });
});
