#!/usr/bin/env bash
# Installs or upgrades the VİM gateway on the van's Raspberry Pi (docs/operations.md).
#
#   sudo scripts/install-pi.sh              first install (idempotent: safe to run again)
#   sudo scripts/install-pi.sh --upgrade    new release; keeps config and data; rolls back to
#                                           the previous release if the new one is not healthy
#                                           within 60 s, never losing a record it took
#                                           (docs/operations.md "Upgrade")
# Options:
#   --force            install on a machine that is not a Raspberry Pi
#   --root DIR         install the files under DIR instead of / and only print the system
#                      commands (users, apt, systemctl, udevadm, npm): a dry run to inspect
#   --health-timeout S seconds the new release has to become healthy (default 60)
#   --help
#
# Exit codes: 0 installed or upgraded; 1 failed, or the upgrade was rolled back; 2 the new
# release is unhealthy but was kept, because it took records the previous release cannot
# read (see docs/operations.md); 64 usage.
#
# Layout: /opt/vim-gateway/releases/<version>-<time>/ with /opt/vim-gateway/current and
# /opt/vim-gateway/previous pointing at releases; config in /etc/vim-gateway (written only
# when absent); data in /var/lib/vim-gateway; `vimgw` in /usr/local/bin.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=""
FORCE=0
UPGRADE=0
HEALTH_TIMEOUT=60
NODE_MAJOR=22
# The health check of a freshly started release; tests put a stand-in here.
HEALTH_CMD=${VIMGW_HEALTH_CMD:-}

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "install-pi: $*" >&2; exit 1; }
say() { echo "install-pi: $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --force) FORCE=1 ;;
    --upgrade) UPGRADE=1 ;;
    --root) [ $# -ge 2 ] || die "--root needs a directory"; ROOT=$(cd "$2" && pwd); shift ;;
    --health-timeout)
      if [ $# -lt 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]]; then die "--health-timeout needs a number of seconds"; fi
      HEALTH_TIMEOUT=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install-pi: unknown option $1" >&2; usage >&2; exit 64 ;;
  esac
  shift
done

DRY=0
[ -n "$ROOT" ] && DRY=1
OPT=$ROOT/opt/vim-gateway
ETC=$ROOT/etc/vim-gateway
DATA=$ROOT/var/lib/vim-gateway
UNIT_DIR=$ROOT/etc/systemd/system
JOURNALD_DIR=$ROOT/etc/systemd/journald.conf.d
UDEV_DIR=$ROOT/etc/udev/rules.d
BIN=$ROOT/usr/local/bin

# System commands run for real only without --root; with it they are printed.
sys() {
  if [ "$DRY" = 1 ]; then echo "+ $*"; else "$@"; fi
}

# ---- checks ------------------------------------------------------------------------------
if [ "$DRY" = 0 ] && [ "$(id -u)" != 0 ]; then die "run as root (sudo $0 $*)"; fi
model=$(tr -d '\0' < /proc/device-tree/model 2>/dev/null || true)
if [[ "$model" != *"Raspberry Pi"* ]]; then
  [ "$FORCE" = 1 ] || die "this is not a Raspberry Pi (${model:-no /proc/device-tree/model}); the gateway's devices, groups and udev rules are for the van's Pi. Pass --force to install anyway."
  say "not a Raspberry Pi (${model:-unknown}); installing anyway (--force)"
fi
[ -f "$SRC/package.json" ] || die "$SRC does not look like the gateway's source (no package.json)"
VERSION=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$SRC/package.json")
[ -n "$VERSION" ] || die "cannot read the version from $SRC/package.json"
if [ "$UPGRADE" = 1 ] && [ ! -L "$OPT/current" ]; then die "--upgrade: nothing installed yet ($OPT/current is missing); run without --upgrade first"; fi
if [ "$UPGRADE" = 0 ] && [ -L "$OPT/current" ]; then say "already installed ($(readlink "$OPT/current")); re-checking every step (use --upgrade for a new release)"; fi

# ---- Node ----------------------------------------------------------------------------------
node_ok() { command -v node >/dev/null 2>&1 && node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'; }
if node_ok; then
  say "node $(node --version) is recent enough (package.json engines: >=20.19)"
else
  say "installing Node.js $NODE_MAJOR LTS (NodeSource apt repository)"
  sys apt-get update
  sys apt-get install -y ca-certificates curl gnupg
  sys install -d -m 0755 /etc/apt/keyrings
  sys sh -c "curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor --yes -o /etc/apt/keyrings/nodesource.gpg"
  sys sh -c "echo 'deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_$NODE_MAJOR.x nodistro main' > /etc/apt/sources.list.d/nodesource.list"
  sys apt-get update
  sys apt-get install -y nodejs
fi
# Native modules (better-sqlite3, serialport, onoff) build from source when no prebuilt binary fits.
sys apt-get install -y --no-install-recommends build-essential python3

# ---- users and groups ------------------------------------------------------------------------
for g in dialout lp gpio vimgw; do
  sys sh -c "getent group $g >/dev/null || groupadd --system $g"
done
sys sh -c "id -u vimgw >/dev/null 2>&1 || useradd --system --gid vimgw --home-dir /var/lib/vim-gateway --shell /usr/sbin/nologin vimgw"
sys usermod -a -G dialout,gpio,lp vimgw

# ---- the release ---------------------------------------------------------------------------
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
REL=$OPT/releases/$VERSION-$STAMP
say "unpacking release $VERSION into $REL"
mkdir -p "$REL"
tar -C "$SRC" --exclude=./node_modules --exclude=./var --exclude=./.git --exclude=./coverage -cf - . | tar -C "$REL" -xf -
# Dependencies for this machine's CPU and Node, then the build, then only what runs.
sys sh -c "cd '${REL#"$ROOT"}' && npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev"
chmod -R go-w "$REL"

# ---- config (never overwritten), udev, systemd, journald, the vimgw command ---------------------
install -d -m 0750 "$ETC" "$DATA"
sys chown vimgw:vimgw "${ETC#"$ROOT"}" "${DATA#"$ROOT"}"
if [ -e "$ETC/config.json" ]; then
  say "keeping $ETC/config.json"
else
  install -m 0640 "$REL/config/pi.example.json" "$ETC/config.json"
  sys chown root:vimgw "${ETC#"$ROOT"}/config.json"
  say "wrote $ETC/config.json from config/pi.example.json: edit the Wi-Fi address, printers and terminal for this van"
fi
install -d "$UDEV_DIR" "$UNIT_DIR" "$JOURNALD_DIR" "$BIN"
install -m 0644 "$REL/devices/udev/99-vim-gateway.rules" "$UDEV_DIR/99-vim-gateway.rules"
install -m 0644 "$REL/systemd/journald.conf.d/vim-gateway.conf" "$JOURNALD_DIR/vim-gateway.conf"
cat > "$BIN/vimgw.new" <<'SH'
#!/bin/sh
# The crews' tool (docs/operations.md); follows the installed release.
exec /usr/bin/node /opt/vim-gateway/current/dist/firmware-ts/src/cli/vimgw.js "$@"
SH
chmod 0755 "$BIN/vimgw.new"
mv -f "$BIN/vimgw.new" "$BIN/vimgw"
sys udevadm control --reload
sys udevadm trigger --subsystem-match=tty --subsystem-match=usbmisc
sys systemctl restart systemd-journald

# Points `link` at `target` atomically (a rename), so a power cut never leaves it missing.
point() { ln -sfn "$2" "$1.new" && mv -Tf "$1.new" "$1"; }

healthy() {
  if [ -n "$HEALTH_CMD" ]; then sh -c "$HEALTH_CMD"; return; fi
  # Active, and the control socket answers with a state other than failed (exit 0 or 1).
  systemctl is-active --quiet vim-gateway || return 1
  local code=0
  /usr/local/bin/vimgw status --json >/dev/null 2>&1 || code=$?
  [ "$code" = 0 ] || [ "$code" = 1 ]
}

wait_healthy() {
  local waited=0
  while [ "$waited" -lt "$HEALTH_TIMEOUT" ]; do
    if healthy; then return 0; fi
    sleep 2
    waited=$((waited + 2))
  done
  return 1
}

install_unit() { install -m 0644 "$1/systemd/vim-gateway.service" "$UNIT_DIR/vim-gateway.service"; sys systemctl daemon-reload; }

if [ "$UPGRADE" = 0 ]; then
  point "$OPT/current" "$REL"
  install_unit "$REL"
  sys systemctl enable --now vim-gateway
  say "installed $VERSION. Check the devices with the gateway stopped:"
  say "  sudo systemctl stop vim-gateway && sudo -u vimgw vimgw selftest; sudo systemctl start vim-gateway"
  say "then: vimgw status"
  exit 0
fi

# ---- upgrade with rollback ----------------------------------------------------------------------
OLD=$(readlink "$OPT/current")
say "upgrading from $(basename "$OLD") to $(basename "$REL")"
sys systemctl stop vim-gateway
# The stop flushed and checkpointed the journal: a plain copy is a consistent backup. The new
# release may migrate the store; a rollback needs the old schema back.
BACKUP=$DATA/backup-$STAMP
install -d -m 0750 "$BACKUP"
for f in "$DATA"/*.sqlite "$DATA"/*.sqlite-wal "$DATA"/settings.json; do [ -e "$f" ] && cp -a "$f" "$BACKUP/"; done
sys chown -R vimgw:vimgw "${BACKUP#"$ROOT"}"
point "$OPT/previous" "$OLD"
point "$OPT/current" "$REL"
install_unit "$REL"
sys systemctl start vim-gateway || true
if wait_healthy; then
  say "upgraded to $VERSION; the previous release stays in $OLD (store backup: $BACKUP)"
  exit 0
fi

say "the new release was not healthy within $HEALTH_TIMEOUT s"
sys systemctl stop vim-gateway || true

# Did the failed release take records? Tablets heard "ok" for them, so they must not be lost
# (DESIGN.md non-negotiable 1), and a retried payment must find its first answer, not charge
# again (2). Per journal file: "<schema version> <last seq>" of the backup and of the live store,
# read by the new release's store-info (the old one's when the new one's cannot run).
store_info() {
  local js
  for js in "$REL" "$OLD" "$SRC"; do
    js=$js/dist/firmware-ts/src/cli/store-info.js
    [ -f "$js" ] || continue
    if node "$js" "$1" 2>/dev/null; then return 0; fi
  done
  return 1
}
DECISION=restore
TAKEN=0
for b in "$BACKUP"/*.sqlite; do
  [ -e "$b" ] || continue
  live=$DATA/$(basename "$b")
  [ -e "$live" ] || continue
  # A backup we cannot read says nothing; a live store we cannot read cannot be used by either release.
  binfo=$(store_info "$b") || continue
  linfo=$(store_info "$live") || continue
  read -r bver bseq <<<"$binfo"
  read -r lver lseq <<<"$linfo"
  [ "$lseq" -gt "$bseq" ] || continue
  TAKEN=$((TAKEN + lseq - bseq))
  # The backup's schema is what the previous release migrated to, i.e. what it can open.
  if [ "$lver" -gt "$bver" ]; then DECISION=stay; elif [ "$DECISION" = restore ]; then DECISION=keep; fi
done

if [ "$DECISION" = stay ]; then
  # Rolling back would drop records tablets were told were safe. The new release stays; it keeps
  # restarting (Restart=always) and serving what it can. Maintainers fix forward.
  sys systemctl start vim-gateway || true
  say "NOT rolled back: the new release took $TAKEN records and migrated the store to a schema the previous release cannot open; putting the backup back would lose them. It stays on $(basename "$REL"); see vimgw status and vimgw logs, and call the maintainers (docs/operations.md \"Upgrade\"). The pre-upgrade store is in $BACKUP"
  exit 2
fi

say "rolling back to $(basename "$OLD")"
point "$OPT/current" "$OLD"
install_unit "$OLD"
if [ "$DECISION" = keep ]; then
  # Same schema: the previous release opens the live store, with the new records and their
  # idempotency answers in it. Nothing is put back; the backup stays as it was.
  say "keeping the store: the new release took $TAKEN records and left the schema as the previous release knows it"
  AFTER="the store, with the $TAKEN records the new release took, was kept (pre-upgrade copy in $BACKUP)"
else
  FAILED=$DATA/failed-$STAMP
  install -d -m 0750 "$FAILED"
  # The failed release took no records (or its store cannot be read): the backup goes back, and
  # whatever the failed release wrote is kept aside, never deleted, for the maintainers.
  for f in "$DATA"/*.sqlite "$DATA"/*.sqlite-wal "$DATA"/*.sqlite-shm; do [ -e "$f" ] && mv -f "$f" "$FAILED/"; done
  for f in "$BACKUP"/*; do [ -e "$f" ] && cp -a "$f" "$DATA/"; done
  AFTER="the pre-upgrade store is back; what the failed release wrote is in $FAILED"
fi
sys systemctl start vim-gateway
if wait_healthy; then say "rolled back to $(basename "$OLD"); $AFTER"; else say "rolled back ($AFTER), but the previous release is not healthy either: see vimgw logs"; fi
exit 1
