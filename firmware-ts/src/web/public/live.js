// The pages' live link to the gateway: an EventSource on /events, plus what EventSource
// does not do by itself. It retries a dropped connection on its own, but it gives up for
// good (readyState CLOSED) after an HTTP error such as a 503 or a gateway that answered
// half-started; and it never notices a link that died silently (a phone leaving the Wi-Fi,
// a half-open TCP connection). So: reopen with backoff after it gives up, and reopen when
// not even the server's regular ping has arrived for three ping intervals.

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30000;
const DEFAULT_PING_MS = 15000;

/** Turkish upper case (i -> İ, ı -> I), which toUpperCase() gets wrong. */
export function upper(s) {
  return String(s).toLocaleUpperCase('tr-TR');
}

/** A text node's worth of an element: no innerHTML anywhere, so no data becomes markup. */
export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * Calls onQueue(snapshot) at connect and on every change; shows the link state in the
 * element #status (data-state: connecting | live | down) and its text in #status-text.
 */
export function connectLive(onQueue) {
  let source = null;
  let backoff = MIN_BACKOFF_MS;
  let pingMs = DEFAULT_PING_MS;
  let reopenTimer = null;
  let staleTimer = null;
  let state = 'connecting';

  const statusEl = document.getElementById('status');
  const statusText = document.getElementById('status-text');
  const TEXT = { connecting: 'bağlanılıyor…', live: 'canlı', down: 'bağlantı yok — yeniden bağlanılıyor' };

  function setState(s) {
    if (s === state) return;
    state = s;
    if (statusEl) statusEl.dataset.state = s;
    if (statusText) statusText.textContent = TEXT[s];
    document.body.classList.toggle('offline', s === 'down');
  }

  function armStaleTimer() {
    clearTimeout(staleTimer);
    staleTimer = setTimeout(() => {
      setState('down');
      reopen();
    }, 3 * pingMs);
  }

  function reopen() {
    if (source) source.close();
    source = null;
    clearTimeout(staleTimer);
    clearTimeout(reopenTimer);
    // Jitter, so a screen and thirty phones do not all knock at the same instant after a restart.
    const wait = backoff * (0.75 + Math.random() * 0.5);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    reopenTimer = setTimeout(open, wait);
  }

  function open() {
    clearTimeout(reopenTimer);
    if (source) source.close();
    const es = new EventSource('/events');
    source = es;
    armStaleTimer();
    es.addEventListener('queue', (e) => {
      backoff = MIN_BACKOFF_MS;
      setState('live');
      armStaleTimer();
      let snapshot;
      try {
        snapshot = JSON.parse(e.data);
      } catch {
        return;
      }
      onQueue(snapshot);
    });
    es.addEventListener('ping', (e) => {
      try {
        const every = Number(JSON.parse(e.data).everyMs);
        if (every > 0) pingMs = every;
      } catch {
        // An odd ping still proves the link is alive.
      }
      armStaleTimer();
    });
    es.addEventListener('error', () => {
      if (source !== es) return;
      setState('down');
      // CONNECTING: the browser retries by itself (after the server's retry: hint). CLOSED: it gave up.
      if (es.readyState === EventSource.CLOSED) reopen();
    });
  }

  // A phone coming back from the lock screen or into Wi-Fi range should not wait for a backoff.
  function nudge() {
    if (state !== 'live') {
      backoff = MIN_BACKOFF_MS;
      open();
    }
  }
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') nudge();
  });
  window.addEventListener('online', nudge);

  open();
  return { state: () => state };
}
