import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, partLogger } from '../../firmware-ts/src/log/logger.js';
import { scrubText } from '../../firmware-ts/src/log/redact.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, log: createLogger({ level: 'info', pretty: 'never' }, stream) };
}

describe('logging', () => {
  it('writes JSON with the part name of a child logger', () => {
    const { lines, log } = capture();
    partLogger(log, 'gnss').info({ fix: '3d' }, 'fix acquired');
    const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(rec).toMatchObject({ level: 'info', part: 'gnss', fix: '3d', msg: 'fix acquired' });
  });

  it('redacts personal and card data in structured fields', () => {
    const { lines, log } = capture();
    log.info({ citizen: { tckn: '10000000146', phone: '05321234567', name: 'Ayşe' }, card: { pan: '4111111111111111' }, password: 'p' }, 'x');
    const text = lines.join('');
    expect(text).not.toContain('10000000146');
    expect(text).not.toContain('05321234567');
    expect(text).not.toContain('4111111111111111');
    expect(text).not.toContain('"password":"p"');
    expect(text).toContain('[REDACTED]');
  });

  it('scrubs TC Kimlik numbers, phone numbers and card numbers from free text', () => {
    const { lines, log } = capture();
    log.info('citizen 10000000146 called from +90 532 123 45 67 paid with 4111 1111 1111 1111');
    const text = lines.join('');
    expect(text).not.toMatch(/10000000146|532 123 45 67|4111 1111/);
    expect(scrubText('ticket A001 at 14:05, counter 2')).toBe('ticket A001 at 14:05, counter 2');
  });

  it('scrubs string fields of a log object too, and numbers glued to letters (error messages quote input)', () => {
    const { lines, log } = capture();
    log.info({ reason: 'payload: is not valid JSON (Unexpected token \'x\', "x10000000146" is not valid JSON)', err: 'AT+CMGS="+905321234567",145: ERROR' }, 'command rejected');
    const text = lines.join('');
    expect(text).not.toMatch(/10000000146|5321234567/);
    expect(text).toContain('[REDACTED-TCKN]');
  });
});
