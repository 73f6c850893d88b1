// The ticket status page (/t/<day>/<number>, the QR code on the printed ticket): the
// number, its service, its state in Turkish, people ahead and the estimated wait, the
// counter once called, and after a transfer the new ticket. It follows the live stream:
// every queue change re-reads this ticket's status.
import { connectLive, el, upper } from './live.js';

const parts = location.pathname.split('/');
let ticketId = `${decodeURIComponent(parts[2] ?? '')}/${decodeURIComponent(parts[3] ?? '')}`;
let counterNames = new Map();
// Turkey's time whatever the phone (or a Pi without a configured zone) is set to.
const TIME = { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Istanbul' };
let lastState = null;
let inFlight = false;
let again = false;

function waitText(ms) {
  if (ms === null || ms === undefined) return 'hesaplanamadı (açık gişe yok)';
  const min = Math.round(ms / 60000);
  if (min < 1) return '1 dakikadan az';
  if (min < 60) return `yaklaşık ${min} dk`;
  return `yaklaşık ${Math.floor(min / 60)} sa ${min % 60} dk`;
}

function counterName(n) {
  return upper(counterNames.get(n) ?? `Gişe ${n}`);
}

/** [headline, detail] for a ticket's state. */
function describe(t) {
  switch (t.state) {
    case 'waiting':
      return ['SIRANIZ BEKLENİYOR', t.ahead === 0 ? 'Sıradaki sizsiniz.' : 'Numaranız çağrılınca bu sayfa kendiliğinden değişir.'];
    case 'called':
      // No case suffix after the counter name ("Gişe 2'ye"): it depends on how the number is read.
      return [`SIRANIZ GELDİ → ${counterName(t.counter)}`, 'Numaranız çağrıldı. Lütfen belirtilen gişeye geçiniz.'];
    case 'serving':
      return [`${counterName(t.counter)} · HİZMET VERİLİYOR`, 'Şu anda hizmet alıyorsunuz.'];
    case 'done':
      return ['HİZMETİNİZ TAMAMLANDI', 'Teşekkür ederiz. İyi günler dileriz.'];
    case 'no_show':
      return ['ÇAĞRILDINIZ, GELMEDİNİZ', 'Lütfen araçtaki personele başvurunuz.'];
    case 'cancelled':
      return ['SIRA NUMARASI İPTAL EDİLDİ', 'Yeni numara için lütfen personele başvurunuz.'];
    case 'transferred':
      return ['BAŞKA HİZMETE AKTARILDI', t.transferredTo ? `Yeni numaranız: ${t.transferredTo.split('/').pop()}` : ''];
    default:
      return [upper(t.state), ''];
  }
}

function setBanner(state, headline, detail) {
  const banner = document.getElementById('banner');
  banner.dataset.state = state;
  document.getElementById('headline').textContent = headline;
  document.getElementById('detail').textContent = detail;
}

function renderTicket(t) {
  document.getElementById('number').textContent = t.number;
  document.getElementById('service').textContent = upper(t.serviceName);
  const moved = document.getElementById('moved');
  moved.hidden = !t.transferredFrom;
  moved.textContent = t.transferredFrom ? `${t.transferredFrom.split('/').pop()} numarasından aktarıldı` : '';
  const [headline, detail] = describe(t);
  setBanner(t.state, headline, detail);
  const waiting = t.state === 'waiting';
  document.getElementById('facts').hidden = false;
  document.getElementById('fact-ahead').hidden = !waiting;
  document.getElementById('fact-wait').hidden = !waiting;
  document.getElementById('ahead').textContent = `${t.ahead ?? 0} kişi`;
  document.getElementById('wait').textContent = waitText(t.estimatedWaitMs);
  document.getElementById('taken').textContent = new Date(t.takenAt).toLocaleTimeString('tr-TR', TIME);
  document.title = t.state === 'called' ? `► ${t.number} · ${counterName(t.counter)}` : `${t.number} · Sıra numaram`;
  // A phone in a pocket: buzz once when the number is called (browsers may ignore it).
  if (t.state === 'called' && lastState !== null && lastState !== 'called') navigator.vibrate?.([300, 150, 300]);
  lastState = t.state;
}

function renderMissing(headline, detail) {
  document.getElementById('number').textContent = ticketId.split('/').pop() || '—';
  document.getElementById('facts').hidden = true;
  setBanner('missing', headline, detail);
}

async function fetchTicket(id) {
  const [day, number] = id.split('/');
  const res = await fetch(`/api/ticket/${encodeURIComponent(day)}/${encodeURIComponent(number)}`, { cache: 'no-store' });
  if (res.status === 404 || res.status === 400) return { missing: res.status };
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return { ticket: await res.json() };
}

/** Reads the ticket (following transfers) and shows it; calls during a read are folded into one more read. */
async function refresh() {
  if (inFlight) {
    again = true;
    return;
  }
  inFlight = true;
  try {
    for (let hops = 0; hops < 10; hops++) {
      const r = await fetchTicket(ticketId);
      if (r.missing === 404) return renderMissing('BU NUMARA BULUNAMADI', 'Numaralar her gün yeniden başlar; lütfen personele başvurunuz.');
      if (r.missing) return renderMissing('GEÇERSİZ BAĞLANTI', 'Lütfen biletinizdeki kodu yeniden okutunuz.');
      const t = r.ticket;
      if (t.state === 'transferred' && t.transferredTo) {
        // Follow the citizen to the new ticket; the address changes too, so a reload lands there.
        ticketId = t.transferredTo;
        const [day, number] = ticketId.split('/');
        history.replaceState(null, '', `/t/${encodeURIComponent(day)}/${encodeURIComponent(number)}`);
        continue;
      }
      return renderTicket(t);
    }
  } catch {
    // The live stream shows the link state; the next change or reconnect reads again.
  } finally {
    inFlight = false;
    if (again) {
      again = false;
      void refresh();
    }
  }
}

function renderNow(snapshot) {
  counterNames = new Map(snapshot.counters.map((c) => [c.number, c.name]));
  const serving = snapshot.counters.filter((c) => c.open && c.serving);
  const list = document.getElementById('now');
  list.replaceChildren(
    ...(serving.length === 0
      ? [el('li', 'none', 'Şu anda çağrılan numara yok')]
      : serving.map((c) => {
          const li = el('li', c.serving === ticketId.split('/').pop() ? 'mine' : '');
          li.append(el('span', 'counter', upper(c.name)), el('span', 'number', c.serving));
          return li;
        })),
  );
}

for (const e of document.querySelectorAll('[data-upper]')) e.textContent = upper(e.textContent);
connectLive((snapshot) => {
  renderNow(snapshot);
  void refresh();
});
