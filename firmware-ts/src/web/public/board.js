// The now-serving board on the HDMI screen in the van's window: per open counter the
// number it serves, the last few called, and how many wait per service. Ticket numbers
// only: the snapshot carries no names, and nothing here would show one.
import { connectLive, el, upper } from './live.js';

const FLASH_MS = 6000;

let lastCallKey = null;
let flashTimer = null;

function minutes(ms) {
  if (ms === null || ms === undefined) return '';
  const m = Math.round(ms / 60000);
  return m < 1 ? '~1 DK' : `~${m} DK`;
}

function renderCounters(snapshot, flashCounter) {
  const list = document.getElementById('counters');
  const open = snapshot.counters.filter((c) => c.open);
  list.replaceChildren(
    ...open.map((c) => {
      const li = el('li', 'counter');
      li.dataset.counter = String(c.number);
      if (c.state) li.dataset.state = c.state;
      if (c.number === flashCounter) li.classList.add('flash');
      li.append(el('span', 'label', upper(c.name)), el('span', 'number', c.serving ?? '—'));
      return li;
    }),
  );
  list.dataset.count = String(open.length);
  list.hidden = open.length === 0;
  document.getElementById('no-counters').hidden = open.length > 0;
}

function renderRecent(snapshot, counterNames) {
  const list = document.getElementById('recent');
  list.replaceChildren(
    ...snapshot.lastCalled.map((r, i) => {
      const li = el('li', i === 0 ? 'latest' : '');
      li.append(el('span', 'number', r.number), el('span', 'to', upper(counterNames.get(r.counter) ?? `Gişe ${r.counter}`)));
      return li;
    }),
  );
  document.getElementById('no-recent').hidden = snapshot.lastCalled.length > 0;
}

function renderWaiting(snapshot) {
  const list = document.getElementById('waiting');
  list.replaceChildren(
    ...snapshot.services.map((s) => {
      const li = el('li', s.open ? '' : 'closed');
      li.dataset.service = s.letter;
      const name = el('span', 'name');
      name.append(el('span', 'letter', s.letter), el('span', 'service', upper(s.name)));
      const count = el('span', 'count', s.open ? String(s.waiting) : 'KAPALI');
      const eta = el('span', 'eta', s.open && s.waiting > 0 ? minutes(s.estimatedWaitMs) : '');
      li.append(name, eta, count);
      return li;
    }),
  );
}

function render(snapshot) {
  const counterNames = new Map(snapshot.counters.map((c) => [c.number, c.name]));
  // The newest call flashes once; the first picture after a (re)connect does not, or every
  // reconnect would look like a new call to the people watching the window.
  const newest = snapshot.lastCalled[0];
  const key = newest ? `${newest.number}@${newest.counter}@${newest.at}` : '';
  let flashCounter = null;
  if (lastCallKey !== null && key !== '' && key !== lastCallKey) {
    flashCounter = newest.counter;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => {
      for (const li of document.querySelectorAll('#counters .flash')) li.classList.remove('flash');
    }, FLASH_MS);
  } else if (lastCallKey !== null) {
    // Keep a flash that is still running across a redraw for an unrelated change.
    const running = document.querySelector('#counters .flash');
    if (running) flashCounter = Number(running.dataset.counter);
  }
  lastCallKey = key;
  renderCounters(snapshot, flashCounter);
  renderRecent(snapshot, counterNames);
  renderWaiting(snapshot);
}

// Istanbul time even on a Pi whose zone was never set (it boots in UTC).
function tickClock() {
  const clock = document.getElementById('clock');
  clock.textContent = new Date().toLocaleTimeString('tr-TR', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Istanbul' });
}

for (const e of document.querySelectorAll('[data-upper]')) e.textContent = upper(e.textContent);
tickClock();
setInterval(tickClock, 10000);
connectLive(render);
