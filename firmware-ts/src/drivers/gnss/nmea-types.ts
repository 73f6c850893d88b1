// The typed NMEA 0183 sentences the parser gives out (RMC, GGA, GSA, GSV, VTG, GLL,
// ZDA): a file of its own so the decoders that fill them (nmea-decoders.ts) and the
// parser that calls the decoders (nmea-sentences.ts, which re-exports these) do not
// import each other.

// GNSS talkers, plus IN (integrated navigation: chart plotters and fish finders relaying their GNSS fix).
export type Talker = 'GP' | 'GL' | 'GA' | 'GB' | 'BD' | 'GQ' | 'QZ' | 'GN' | 'IN';
export type Constellation = 'gps' | 'glonass' | 'galileo' | 'beidou' | 'qzss' | 'sbas' | 'other';
export const CONSTELLATIONS: readonly Constellation[] = ['gps', 'glonass', 'galileo', 'beidou', 'qzss', 'sbas', 'other'];

interface Common {
  readonly talker: Talker;
}
export interface RmcSentence extends Common {
  readonly type: 'RMC';
  readonly timeMs: number | null; // UTC time of day, ms
  readonly status: string | null; // A valid, V warning
  readonly lat: number | null; // degrees, south negative
  readonly lon: number | null; // degrees, west negative
  readonly speedKn: number | null;
  readonly trackTrue: number | null;
  readonly day: number | null;
  readonly month: number | null;
  readonly year2: number | null; // two digits, as sent: the century is the state's business
  readonly magVar: number | null; // degrees, west negative
  readonly faaMode: string | null; // NMEA 2.3: A D E F M N P R S
  readonly navStatus: string | null; // NMEA 4.10
}
export interface GgaSentence extends Common {
  readonly type: 'GGA';
  readonly timeMs: number | null;
  readonly lat: number | null;
  readonly lon: number | null;
  readonly quality: number | null; // 0 invalid, 1 GPS, 2 DGPS, 4/5 RTK, 6 dead reckoning...
  readonly satellites: number | null;
  readonly hdop: number | null;
  readonly altMSL: number | null; // metres above mean sea level
  readonly geoidSep: number | null;
}
export interface GsaSentence extends Common {
  readonly type: 'GSA';
  readonly selection: string | null; // M manual, A automatic
  readonly fixType: number | null; // 1 none, 2 2D, 3 3D
  readonly prns: readonly number[]; // satellites used
  readonly pdop: number | null;
  readonly hdop: number | null;
  readonly vdop: number | null;
  readonly systemId: number | null; // NMEA 4.10: 1 GPS, 2 GLONASS, 3 Galileo, 4 BeiDou, 5 QZSS
}
export interface GsvSatellite {
  prn: number;
  elevation: number | null;
  azimuth: number | null;
  snr: number | null;
}
export interface GsvSentence extends Common {
  readonly type: 'GSV';
  readonly total: number | null; // sentences in this group
  readonly index: number | null; // 1-based
  readonly inView: number | null;
  readonly satellites: readonly GsvSatellite[];
  readonly signalId: number | null; // NMEA 4.10
}
export interface VtgSentence extends Common {
  readonly type: 'VTG';
  readonly trackTrue: number | null;
  readonly trackMag: number | null;
  readonly speedKn: number | null;
  readonly speedKmh: number | null;
  readonly faaMode: string | null;
}
export interface GllSentence extends Common {
  readonly type: 'GLL';
  readonly lat: number | null;
  readonly lon: number | null;
  readonly timeMs: number | null;
  readonly status: string | null;
  readonly faaMode: string | null;
}
export interface ZdaSentence extends Common {
  readonly type: 'ZDA';
  readonly timeMs: number | null;
  readonly day: number | null;
  readonly month: number | null;
  readonly year: number | null; // four digits
}
export type NmeaSentence = RmcSentence | GgaSentence | GsaSentence | GsvSentence | VtgSentence | GllSentence | ZdaSentence;
