// Example payloads of vim/cmd/requests/* for docs/asyncapi.yaml (test/unit/asyncapi.test.ts
// validates each against its schema). Fixed ids, so the document does not change between runs.
// The TC Kimlik No is the well-known test number 10000000146 (valid checksum, nobody's).

/** A 1x1 PNG: the smallest real image, so the example passes the gateway's checks too. */
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

export const REQUEST_EXAMPLES = {
  create: [
    {
      id: '1a2b3c4d-0000-4000-8000-000000000201',
      type: 'sikayet',
      category: 'lighting',
      authority: 'inegol_department',
      department: 'fen_isleri',
      subject: 'Sokak lambası yanmıyor',
      description: 'Cami önündeki iki sokak lambası bir haftadır yanmıyor.',
      citizen: { name: 'Ayşe Yılmaz', phone: '0532 000 00 00' },
      kvkk: { consent: true, noticeVersion: '2026-01' },
      photos: [{ data: PNG_1X1, mime: 'image/png' }],
      sms: true,
    },
    {
      id: '1a2b3c4d-0000-4000-8000-000000000202',
      type: 'bilgi_edinme',
      category: 'zoning',
      authority: 'inegol_department',
      department: 'imar',
      subject: 'İmar planı değişikliği',
      description: 'Mahallemizdeki parselin imar planı değişikliğine ait meclis kararının bir örneğini istiyorum.',
      citizen: { name: 'Mehmet Demir', tckn: '10000000146', address: 'Cuma Mah. Örnek Sok. No 1, İnegöl/Bursa' },
      citizenConfirmed: true,
      kvkk: { consent: true, noticeVersion: '2026-01' },
    },
    {
      id: '1a2b3c4d-0000-4000-8000-000000000203',
      type: 'istek',
      category: 'water',
      authority: 'buski',
      subject: 'Su kesintisi',
      description: 'Köyde iki gündür su yok.',
      kvkk: { consent: true, noticeVersion: '2026-01' },
      receipt: false,
    },
  ],
  get: [{ id: '1a2b3c4d-0000-4000-8000-000000000204', trackingNumber: 'VIM-VIM-01-20260528-0007' }],
  reprint: [{ id: '1a2b3c4d-0000-4000-8000-000000000205', trackingNumber: 'VIM-VIM-01-20260528-0007' }],
};
