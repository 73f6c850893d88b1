// The built gateway (dist/, as `npm start` and systemd run it) serves the web pages: the
// build's copy step put every page and asset next to the compiled server, and SIGTERM
// still stops the process promptly with a live page connected.
import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, GatewayProcess, killAllGateways } from '../helpers/gateway-process.js';
import { ASSETS } from '../../firmware-ts/src/web/routes.js';

afterAll(async () => {
  await killAllGateways();
});

function get(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web pages from dist/', () => {
  it('serves both pages and every asset, and stops on SIGTERM with a live stream open', async () => {
    const port = await freePort();
    const gw = await GatewayProcess.create({ extra: { web: { host: '127.0.0.1', port } } });
    await gw.start();
    try {
      const board = await get(port, '/');
      expect(board.status, gw.tail()).toBe(200);
      expect(board.body).toContain('ŞİMDİ HİZMET VERİLEN');
      expect(board.body).toContain('chaos bench'); // the vehicle name, filled in
      expect((await get(port, '/t/2026-11-29/A001')).status).toBe(200);
      for (const a of ASSETS) expect((await get(port, `/static/${a}`)).status, a).toBe(200);
      const snapshot = JSON.parse((await get(port, '/api/queue')).body) as { services: unknown[] };
      expect(snapshot.services.length).toBeGreaterThan(0);

      // A page stays connected; shutdown must not wait for it.
      const streamClosed = new Promise<void>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/events', agent: false }, (res) => {
          res.resume();
          res.on('close', () => resolve());
        });
        req.on('error', reject);
        req.end();
      });
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      const exit = await gw.kill('SIGTERM');
      expect(exit?.code, gw.tail()).toBe(0);
      expect(Date.now() - t0).toBeLessThan(5000);
      await streamClosed;
    } finally {
      await gw.dispose();
    }
  });
});
