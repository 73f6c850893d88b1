// The now-serving page and the ticket status page in a real headless Chromium (Debian's
// chromium, driven by puppeteer-core), against a real in-process gateway: a kiosk takes
// tickets and staff call them over MQTT, the pages change live; the gateway restarts on
// the same ports and data, and the pages reconnect by themselves.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { command, replyClient, startGateway, USERS } from '../helpers/gateway-inproc.js';
import { freePort } from '../helpers/gateway-process.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

const CHROMIUM = process.env.VIM_TEST_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOT = '/tmp/now-serving.png';

let gw: Gateway;
let dir: string;
let overrides: Record<string, unknown>;
let browser: Browser;
let base: string;
let mqttUrl: string;
let kiosk: MqttClient;
let staff: MqttClient;

async function connectClients(): Promise<void> {
  kiosk = await replyClient(mqttUrl, USERS.kiosk, 'kiosk1');
  staff = await replyClient(mqttUrl, USERS.staff, 'ayse@tablet');
}

async function closeClients(): Promise<void> {
  await Promise.all([kiosk, staff].filter(Boolean).map((c) => c.endAsync(true)));
}

async function ok(c: MqttClient, action: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const a = await command(c, `vim/cmd/queue/${action}`, { id: randomUUID(), ...args });
  if (a.ok !== true) throw new Error(`${action} failed: ${JSON.stringify(a)}`);
  return a.result as Record<string, unknown>;
}

// Browser-side code is passed as strings: the repository's tsconfig has no DOM types (it is
// Node code), and one DOM lib reference here would leak them into the whole program.
const q = (selector: string) => `document.querySelector(${JSON.stringify(selector)})`;

async function js<T>(page: Page, expression: string): Promise<T> {
  return (await page.evaluate(expression)) as T;
}

const text = (page: Page, selector: string) => js<string | null>(page, `${q(selector)}?.textContent ?? null`);

/** Waits until `selector`'s text is `want` (a page that changes live, not one reloaded). */
async function waitText(page: Page, selector: string, want: string, timeout = 10_000): Promise<void> {
  try {
    await page.waitForFunction(`(${q(selector)}?.textContent ?? '') === ${JSON.stringify(want)}`, { timeout, polling: 50 });
  } catch {
    throw new Error(`${selector} never showed ${JSON.stringify(want)}; it shows ${JSON.stringify(await text(page, selector))}`);
  }
}

const waitingOf = (letter: string) => `#waiting li[data-service="${letter}"] .count`;
const servingAt = (counter: number) => `#counters li[data-counter="${counter}"] .number`;

beforeAll(async () => {
  // Never a silent skip: without the browser this suite fails and says what to install.
  if (!existsSync(CHROMIUM)) {
    throw new Error(`e2e needs Chromium at ${CHROMIUM} (Debian: apt-get install chromium; scripts/test.sh installs it as root; VIM_TEST_CHROMIUM=path overrides)`);
  }
  // Ports below the ephemeral range, so the restart can bind them again (see freePort).
  const [webPort, mqttPort] = [await freePort(), await freePort()];
  overrides = { broker: { tcp: { host: '127.0.0.1', port: mqttPort }, credentialsFile: 'users.json' }, web: { host: '127.0.0.1', port: webPort } };
  ({ gw, dir } = await startGateway(overrides));
  expect(gw.web?.port()).toBe(webPort);
  base = `http://127.0.0.1:${webPort}`;
  mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
  await connectClients();
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--headless=new', '--disable-dev-shm-usage', '--lang=tr-TR'],
    defaultViewport: { width: 1920, height: 1080 },
  });
});

afterAll(async () => {
  await browser?.close();
  await closeClients();
  await gw?.stop();
  cleanupTempDirs();
});

describe('now-serving page', () => {
  it('shows calls and waiting counts live, only ticket numbers, and survives a gateway restart', async () => {
    const board = await browser.newPage();
    const problems: string[] = [];
    board.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
    board.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await board.goto(`${base}/`, { waitUntil: 'domcontentloaded' });
    await board.waitForSelector('#status[data-state="live"]', { timeout: 10_000 });
    expect(await js(board, 'document.documentElement.lang')).toBe('tr');
    await waitText(board, waitingOf('A'), '0');
    expect(await js(board, `${q('#no-counters')}.hidden`)).toBe(false);

    // A kiosk takes a ticket (a normal one) and a priority one: the waiting count moves.
    const first = await ok(kiosk, 'take', { service: 'A' });
    expect(first.ticket).toBe('A001');
    const day = String(first.ticketId).split('/')[0]!;
    await waitText(board, waitingOf('A'), '1');
    await ok(kiosk, 'take', { service: 'B', priority: 'disabled' });
    await waitText(board, waitingOf('B'), '1');

    // Staff open counters and call: the number appears at the counter and flashes, the count drops.
    await ok(staff, 'open-counter', { counter: 1 });
    await ok(staff, 'open-counter', { counter: 2 });
    await waitText(board, servingAt(1), '—');
    const call = await ok(staff, 'call-next', { counter: 1 });
    expect(call.ticket).toBe('B001'); // the priority ticket goes first
    await waitText(board, servingAt(1), 'B001');
    await waitText(board, waitingOf('B'), '0');
    expect(await js(board, `${q('#counters li[data-counter="1"]')}.classList.contains('flash')`)).toBe(true);
    expect(await text(board, '#counters li[data-counter="1"] .label')).toBe('GİŞE 1');
    await ok(staff, 'call-next', { counter: 2 });
    await waitText(board, servingAt(2), 'A001');
    await waitText(board, waitingOf('A'), '0');
    await waitText(board, '#recent li:first-child .number', 'A001');
    await waitText(board, '#recent li:first-child .to', 'GİŞE 2');
    // The citizen reached counter 1: served, no longer just called.
    await ok(staff, 'start', { ticket: 'B001' });
    await board.waitForSelector('#counters li[data-counter="1"][data-state="serving"]', { timeout: 10_000 });

    // Ticket numbers only: no priority class or label, no staff or kiosk login, anywhere on the page or in its feed.
    const shown = await js<string>(board, 'document.body.innerText');
    const feed = await (await fetch(`${base}/api/queue`)).text();
    for (const secret of ['disabled', 'Engelli', 'engelli', 'ayse', 'kiosk1', 'ayse@tablet']) {
      expect(shown, secret).not.toContain(secret);
      expect(feed, secret).not.toContain(secret);
    }
    expect(shown).toContain('ŞİMDİ HİZMET VERİLEN');
    expect(shown).toContain('SON ÇAĞRILANLAR');
    expect(shown).toContain('BEKLEYEN');
    expect(shown).toContain('BİLGİ EDİNME'); // upper-cased the Turkish way (i -> İ)

    // The ticket page of a waiting ticket follows it to the counter.
    const third = await ok(kiosk, 'take', { service: 'A' });
    expect(third.ticket).toBe('A002');
    await waitText(board, waitingOf('A'), '1');
    await board.screenshot({ path: SCREENSHOT });
    const phone = await browser.newPage();
    await phone.setViewport({ width: 390, height: 844, deviceScaleFactor: 2, isMobile: true });
    await phone.goto(`${base}/t/${day}/A002`, { waitUntil: 'domcontentloaded' });
    await waitText(phone, '#number', 'A002');
    await waitText(phone, '#banner .headline', 'SIRANIZ BEKLENİYOR');
    expect(await text(phone, '#service')).toBe('BİLGİ EDİNME');
    expect(await text(phone, '#ahead')).toBe('0 kişi');
    expect(await js(phone, `${q('#banner')}.dataset.state`)).toBe('waiting');
    await ok(staff, 'complete', { ticket: 'B001' });
    await ok(staff, 'call-next', { counter: 1 });
    await waitText(phone, '#banner .headline', 'SIRANIZ GELDİ → GİŞE 1');
    expect(await js(phone, `${q('#banner')}.dataset.state`)).toBe('called');
    await waitText(board, servingAt(1), 'A002');
    await phone.screenshot({ path: '/tmp/ticket-page.png' });
    const phoneText = await js<string>(phone, 'document.body.innerText');
    for (const secret of ['disabled', 'Engelli', 'ayse', 'kiosk1']) expect(phoneText, secret).not.toContain(secret);

    // Restart: the same ports and data dir. The pages notice, say so, and come back by themselves.
    await board.evaluate('window.notReloaded = true');
    await closeClients();
    await gw.stop();
    await board.waitForSelector('#status[data-state="down"]', { timeout: 10_000 });
    expect(await text(board, '#status-text')).toBe('bağlantı yok — yeniden bağlanılıyor');
    await phone.waitForSelector('#status[data-state="down"]', { timeout: 10_000 });
    // Down for longer than the stream's own 2 s retry.
    await new Promise((r) => setTimeout(r, 4000));
    ({ gw } = await startGateway(overrides, { dir }));
    await connectClients();
    await board.waitForSelector('#status[data-state="live"]', { timeout: 20_000 });
    expect(await js(board, 'window.notReloaded === true')).toBe(true);
    // The restored day: A002 is still called at counter 1.
    await waitText(board, servingAt(1), 'A002');

    await ok(kiosk, 'take', { service: 'C' });
    await waitText(board, waitingOf('C'), '1');
    await ok(staff, 'open-counter', { counter: 3 });
    const afterRestart = await ok(staff, 'call-next', { counter: 3 });
    expect(afterRestart.ticket).toBe('C001');
    await waitText(board, servingAt(3), 'C001');
    await waitText(board, '#recent li:first-child .number', 'C001');
    await waitText(board, waitingOf('C'), '0');
    await phone.waitForSelector('#status[data-state="live"]', { timeout: 20_000 });

    // Only the failed /events connections while the gateway was down may have logged errors.
    expect(problems.filter((p) => !/ERR_CONNECTION_REFUSED|net::ERR|EventSource|\/events/.test(p))).toEqual([]);
  });

  it('reopens the stream itself after a 503, which EventSource alone never retries', async () => {
    // A second gateway whose one live slot a plain HTTP client holds.
    const small = await startGateway({ web: { host: '127.0.0.1', port: 0, maxClients: 1 } });
    const url = `http://127.0.0.1:${small.gw.web!.port()}`;
    const holder = new AbortController();
    try {
      const held = await fetch(`${url}/events`, { signal: holder.signal });
      expect(held.status).toBe(200);
      const page = await browser.newPage();
      await page.goto(`${url}/`, { waitUntil: 'domcontentloaded' });
      await page.waitForSelector('#status[data-state="down"]', { timeout: 10_000 });
      // Let the page's own backoff run a round or two against the 503 before the slot frees.
      await new Promise((r) => setTimeout(r, 2500));
      expect(await js(page, `${q('#status')}.dataset.state`)).toBe('down');
      holder.abort();
      await page.waitForSelector('#status[data-state="live"]', { timeout: 20_000 });
      await waitText(page, waitingOf('A'), '0');
      await page.close();
    } finally {
      holder.abort();
      await small.gw.stop();
    }
  });

  it('shows an unknown ticket as not found, in Turkish', async () => {
    const phone = await browser.newPage();
    await phone.goto(`${base}/t/2026-01-01/A999`, { waitUntil: 'domcontentloaded' });
    await waitText(phone, '#banner .headline', 'BU NUMARA BULUNAMADI');
    expect(await text(phone, '#number')).toBe('A999');
  });
});
