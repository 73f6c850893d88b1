// Plain constants of the control API, in a module of their own so the CLI can read
// them without loading the config schema library (vimgw status must start fast).
export const DEFAULT_CONTROL_SOCKET = '/run/vim-gateway/control.sock';

/** sockaddr_un.sun_path is 108 bytes on Linux, NUL included. */
export const MAX_SOCKET_PATH_BYTES = 107;
