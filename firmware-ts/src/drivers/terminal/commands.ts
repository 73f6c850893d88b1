// The ECR's requests, byte for byte (PA00P015 §2). Builders validate their input
// and throw RangeError on what cannot be encoded; nothing is sent on bad input.
import { CMD, apdu, type Apdu } from './apdu.js';
import { toBcd } from './bmp.js';

export interface RegistrationOptions {
  password: string;
  currency: number;
  printOnEcr: boolean;
  intermediateStatus: boolean;
  amountInputOnPt: boolean;
}

/** Config byte (PA00P015 §2.1 Table 1). */
export function configByte(o: Omit<RegistrationOptions, 'password' | 'currency'>): number {
  let b = 0;
  if (o.printOnEcr) b |= 0x02 | 0x04; // payment + administration receipts by the ECR, compiled from status info
  if (o.intermediateStatus) b |= 0x08; // "ECR requires intermediate status-information"
  if (!o.amountInputOnPt) b |= 0x10; // "amount input on PT not possible"
  return b;
}

function password(p: string): Buffer {
  if (!/^\d{6}$/.test(p)) throw new RangeError('password must be 6 digits (PA00P015 §1.2)');
  return toBcd(p, 3);
}

/** Currency code, 2 bytes BCD (PA00P015 §1.4, BMP 49): 949 -> 09 49. */
export function cc(currency: number): Buffer {
  if (!Number.isInteger(currency) || currency < 1 || currency > 999) throw new RangeError('currency must be an ISO 4217 numeric code');
  return toBcd(currency, 2);
}

function amount(kurus: number): Buffer {
  if (!Number.isSafeInteger(kurus) || kurus < 1 || kurus > 999_999_999_999) throw new RangeError('amount must be a whole number of kuruş, 1..999999999999');
  return toBcd(kurus, 6);
}

/** 06 00 <password> <config-byte> <CC> 03 <service-byte> (PA00P015 §2.1). */
export function registration(o: RegistrationOptions): Apdu {
  // service byte 01: the PT's service menu may not be bound to its function key.
  return apdu(CMD.registration, Buffer.concat([password(o.password), Buffer.of(configByte(o)), cc(o.currency), Buffer.of(0x03, 0x01)]));
}

/** 06 01 04 <amount> 49 <CC> (PA00P015 §2.2.1). The amount is BCD in minor units: kuruş. */
export function authorization(kurus: number, currency: number): Apdu {
  return apdu(CMD.authorization, Buffer.concat([Buffer.of(0x04), amount(kurus), Buffer.of(0x49), cc(currency)]));
}

/** 06 30 <password> 87 <receipt-no> (PA00P015 §2.9). */
export function reversal(pw: string, receiptNo: number): Apdu {
  if (!Number.isInteger(receiptNo) || receiptNo < 0 || receiptNo > 9999) throw new RangeError('receipt number must be 0..9999 (BMP 87, 2 bytes BCD)');
  return apdu(CMD.reversal, Buffer.concat([password(pw), Buffer.of(0x87), toBcd(receiptNo, 2)]));
}

/** 06 31 <password> 04 <amount> 49 <CC> (PA00P015 §2.15). */
export function refund(pw: string, kurus: number, currency: number): Apdu {
  return apdu(CMD.refund, Buffer.concat([password(pw), Buffer.of(0x04), amount(kurus), Buffer.of(0x49), cc(currency)]));
}

/**
 * 06 20 <password> 03 <service-byte> (PA00P015 §2.20): service byte 03 = send the
 * status information of the last transaction (bit 0) and print nothing (bit 1).
 */
export function repeatReceipt(pw: string): Apdu {
  return apdu(CMD.repeatReceipt, Buffer.concat([password(pw), Buffer.of(0x03, 0x03)]));
}

/** 05 01 <password> 03 <service-byte> (PA00P015 §2.56); service byte 00: send the software version. */
export function statusEnquiry(pw: string): Apdu {
  return apdu(CMD.statusEnquiry, Buffer.concat([password(pw), Buffer.of(0x03, 0x00)]));
}

/** 06 50 <password> (PA00P015 §2.16.1). */
export function endOfDay(pw: string): Apdu {
  return apdu(CMD.endOfDay, password(pw));
}

/** 06 B0 (PA00P015 §2.23). */
export function abort(): Apdu {
  return apdu(CMD.abort);
}
