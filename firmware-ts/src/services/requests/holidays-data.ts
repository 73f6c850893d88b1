// The built-in holiday table (config `requests.holidays` replaces any list of it).
//
// Fixed days: Law 2429 "Ulusal Bayram ve Genel Tatiller Hakkında Kanun":
//   s.1 Cumhuriyet Bayramı: 28 October from 13:00, and 29 October;
//   s.2 genel tatil: 1 January; 23 April; 1 May (since 2009, law 5892); 19 May;
//       15 July (since 2016, law 6752); 30 August;
//       Ramazan Bayramı: from 13:00 on the arife, 3.5 days; Kurban Bayramı: from 13:00 on the arife, 4.5 days.
// So 28 October and each arife are half days: offices work until 13:00.
//
// Movable bayrams: the first day of each as Diyanet İşleri Başkanlığı's "Dini Günler"
// calendar gives it (the arife is the day before). Cross-checked against the
// `holidays` Python package (TurkeyIslamicHolidays, confirmed years to 2032) and, for
// 2026, Diyanet's published 2026 calendar (Ramazan 20-22 March, Kurban 27-30 May):
//   Ramazan Bayramı: 2025-03-30, 2026-03-20, 2027-03-09, 2028-02-26, 2029-02-14, 2030-02-04
//   Kurban Bayramı:  2025-06-06, 2026-05-27, 2027-05-16, 2028-05-05, 2029-04-24, 2030-04-13
// Diyanet fixes each year's dates in its calendar published the year before; check the
// new year's calendar against this table, and add years past 2030 in the config.
//
// Not here on purpose: "idari izin" bridge days the government grants to civil servants
// around a bayram are not official holidays (legal time limits run through them); a
// municipality that wants them can list them in `requests.holidays.extra`.

export interface FixedHoliday {
  /** "MM-DD" */
  monthDay: string;
  name: string;
  /** From 13:00 only (Law 2429): the morning is a working morning. */
  half?: boolean;
}

export interface Bayram {
  name: string;
  /** The first full day, "YYYY-MM-DD"; the day before is the arife, a half day. */
  firstDay: string;
  /** Full days: 3 for Ramazan, 4 for Kurban (Law 2429 s.2). */
  days: number;
}

export interface ExtraHoliday {
  /** "YYYY-MM-DD" */
  date: string;
  name: string;
  half?: boolean;
}

export interface HolidayTable {
  fixed: FixedHoliday[];
  bayrams: Bayram[];
  extra: ExtraHoliday[];
}

export const DEFAULT_FIXED_HOLIDAYS: readonly FixedHoliday[] = [
  { monthDay: '01-01', name: 'Yılbaşı' },
  { monthDay: '04-23', name: 'Ulusal Egemenlik ve Çocuk Bayramı' },
  { monthDay: '05-01', name: 'Emek ve Dayanışma Günü' },
  { monthDay: '05-19', name: "Atatürk'ü Anma, Gençlik ve Spor Bayramı" },
  { monthDay: '07-15', name: 'Demokrasi ve Milli Birlik Günü' },
  { monthDay: '08-30', name: 'Zafer Bayramı' },
  { monthDay: '10-28', name: 'Cumhuriyet Bayramı arifesi', half: true },
  { monthDay: '10-29', name: 'Cumhuriyet Bayramı' },
];

const ramazan = (firstDay: string): Bayram => ({ name: 'Ramazan Bayramı', firstDay, days: 3 });
const kurban = (firstDay: string): Bayram => ({ name: 'Kurban Bayramı', firstDay, days: 4 });

export const DEFAULT_BAYRAMS: readonly Bayram[] = [
  ramazan('2025-03-30'),
  kurban('2025-06-06'),
  ramazan('2026-03-20'),
  kurban('2026-05-27'),
  ramazan('2027-03-09'),
  kurban('2027-05-16'),
  ramazan('2028-02-26'),
  kurban('2028-05-05'),
  ramazan('2029-02-14'),
  kurban('2029-04-24'),
  ramazan('2030-02-04'),
  kurban('2030-04-13'),
];
