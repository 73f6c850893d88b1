// Picks the vendor file from the configured id, or from what the module says it is
// (27.007 §5.1 +CGMI manufacturer, §5.2 +CGMM model).
import { generic } from './generic.js';
import { quectel } from './quectel.js';
import { simcom } from './simcom.js';
import type { Vendor, VendorId } from './types.js';

export type { Vendor, VendorId, VendorUrcEffect } from './types.js';

export const VENDORS: Readonly<Record<VendorId, Vendor>> = { quectel, simcom, generic };

export function detectVendor(manufacturer: string, model: string): VendorId {
  const text = `${manufacturer} ${model}`;
  if (/quectel/i.test(text) || /^(EC2[015]|EG2[15]|EG9[15]|EM0[56]|BG9[56])/i.test(model)) return 'quectel';
  if (/simcom/i.test(text) || /SIM7[05]\d\d/i.test(model)) return 'simcom';
  return 'generic';
}
