// Turkish texts for the terminal's intermediate status (ZVT 04 FF, PA00P015 §3.7) as
// the staff tablet shows them during a payment; codes not listed keep the driver's text.
const TR: Record<number, string> = {
  0x00: 'Tutar onayı bekleniyor',
  0x01: 'PIN girişi bekleniyor',
  0x02: 'PIN girişi bekleniyor',
  0x03: 'Kabul edilmedi',
  0x04: 'Banka yanıtı bekleniyor',
  0x07: 'Kart kabul edilmiyor',
  0x08: 'Kart tanınmadı',
  0x09: 'Kartın süresi dolmuş',
  0x0a: 'Kartı takın veya yaklaştırın',
  0x0b: 'Kartı çıkarın',
  0x0c: 'Kart okunamadı',
  0x0d: 'İşlem hatası',
  0x0e: 'Lütfen bekleyin',
  0x10: 'Geçersiz kart',
  0x13: 'Ödeme yapılamıyor',
  0x14: 'Bakiye yetersiz',
  0x15: 'Hatalı PIN',
  0x16: 'Limit yetersiz',
  0x17: 'Lütfen bekleyin',
  0x18: 'PIN deneme hakkı doldu',
  0x1d: 'Reddedildi',
  0x68: 'Kart takıldı',
};

export function progressText(code: number, fallback: string): string {
  return TR[code] ?? TR[code - 0x40] ?? fallback;
}
