// Who can reach the data: the control socket (AT passthrough, exports with personal
// data) is mode 0660 and a user outside its group is refused by the kernel, tried with
// the real `vimgw` as another uid; the unit keeps the journal out of other users' reach.
// Needs root to act as other users (CI runs as root); as anyone else it fails, naming why.
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { startGateway } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { vimgw } from '../helpers/vimgw-cli.js';

const NOBODY = 65534;
let gw: Gateway;
let socket: string;

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('the personal-data suite acts as other users and must run as root (as CI does)');
  const dir = tempDir('vimgw-sec-ctl-');
  // Traversable by all, so the socket's own mode is the only thing that keeps others out.
  chmodSync(dir, 0o755);
  socket = join(dir, 'control.sock');
  ({ gw } = await startGateway({ control: { socket } }));
});
afterAll(async () => {
  await gw.stop();
  cleanupTempDirs();
});

describe('control socket', () => {
  it('is a 0660 socket owned by the gateway\'s user and group', () => {
    const st = statSync(socket);
    expect(st.isSocket()).toBe(true);
    expect((st.mode & 0o777).toString(8)).toBe('660');
    expect([st.uid, st.gid]).toEqual([process.getuid!(), process.getgid!()]);
  });

  it('refuses a user outside the group, and serves one inside it', async () => {
    const outsider = await vimgw(['status', '--json', '--socket', socket], { uid: NOBODY, gid: NOBODY, env: { HOME: '/' } });
    expect(outsider.code).not.toBe(0);
    expect(`${outsider.stdout}${outsider.stderr}`).toMatch(/EACCES|permission/i);
    // The same unprivileged user, given the socket's group (as `usermod -aG` would), gets the status.
    const member = await vimgw(['status', '--json', '--socket', socket], { uid: NOBODY, gid: statSync(socket).gid, env: { HOME: '/' } });
    expect(member.stderr).not.toMatch(/EACCES|permission/i);
    expect(JSON.parse(member.stdout)).toMatchObject({ state: expect.any(String) });
  });
});

describe('files with personal data', () => {
  it('the systemd unit creates them without access for other users', () => {
    const unit = readFileSync('systemd/vim-gateway.service', 'utf8');
    expect(unit).toMatch(/^UMask=0027$/m);
    expect(unit).toMatch(/^StateDirectoryMode=0750$/m);
    expect(unit).toMatch(/^RuntimeDirectoryMode=0750$/m);
  });
});
