// The control API's configuration (`control` in config/schema.ts). A Unix socket
// only: there is deliberately no host or port, so no config can put the crews'
// tool (AT passthrough, exports with personal data) on a network interface.
import { Type, type Static } from '@sinclair/typebox';
import { Strict } from '../schema/types.js';

import { DEFAULT_CONTROL_SOCKET, MAX_SOCKET_PATH_BYTES } from './constants.js';

export { DEFAULT_CONTROL_SOCKET, MAX_SOCKET_PATH_BYTES } from './constants.js';

export const ControlOptionsSchema = Strict(
  {
    enabled: Type.Boolean({ default: true, description: 'Serve the control API (vimgw status, modem at, export ...)' }),
    socket: Type.String({
      default: DEFAULT_CONTROL_SOCKET,
      minLength: 1,
      maxLength: MAX_SOCKET_PATH_BYTES,
      description: 'Unix socket path (relative to the config file). systemd makes /run/vim-gateway (RuntimeDirectory=)',
    }),
    group: Type.Optional(
      Type.String({
        pattern: '^[a-z_][a-z0-9_-]{0,31}$',
        description: "Group that owns the socket (mode 0660): members may run vimgw without sudo. Default: the gateway's own group",
      }),
    ),
    maxConnections: Type.Integer({ default: 16, minimum: 1, maximum: 256, description: 'Clients at once; a stuck script must not exhaust file descriptors' }),
  },
  { description: 'Control API for the vimgw command on a Unix socket (never TCP)' },
);

export type ControlOptions = Static<typeof ControlOptionsSchema>;
