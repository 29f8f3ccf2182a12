#!/usr/bin/env bash
# Installs the mfuser-edge daemon as a systemd service (docs/deploy.md). Idempotent: run it again to upgrade.
#
#   sudo systemd/install.sh --from <published daemon folder> [--start]
#   systemd/install.sh --dry-run --from <folder>     # print what would be done, change nothing (no root needed)
#
# Steps: create the system user/group mfuser-edge; copy the daemon to /opt/mfuser-edge (root-owned, read-only to
# the service); create /etc/mfuser-edge with the environment file and an empty config.json if they are missing
# (existing ones are never overwritten); install and enable the unit. State, cache and log directories are
# created by systemd itself (StateDirectory=, CacheDirectory=, LogsDirectory=).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PREFIX=/opt/mfuser-edge
ETC=/etc/mfuser-edge
UNIT_DIR=/etc/systemd/system
USER_NAME=mfuser-edge
DRY_RUN=0
START=0
ENABLE=1
FROM=""

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }
note() { printf 'install.sh: %s\n' "$*" >&2; }
# Runs a command, or only prints it under --dry-run.
run() {
  printf '+ %s\n' "$*"
  [ "$DRY_RUN" -eq 1 ] || "$@"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --from) [ $# -ge 2 ] || die "--from needs a folder"; FROM="$2"; shift ;;
    --start) START=1 ;;
    --no-enable) ENABLE=0 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (expected --from DIR, --dry-run, --start, --no-enable, --help)" ;;
  esac
  shift
done

[ -n "$FROM" ] || die "--from DIR is required: the folder of 'dotnet publish src/MFuser.Edge -c Release' (it holds the mfuser-edge executable)"
[ -d "$FROM" ] || die "--from $FROM: no such folder"
[ -x "$FROM/mfuser-edge" ] || die "--from $FROM: no executable 'mfuser-edge' in it"
[ -f "$HERE/mfuser-edge.service" ] || die "unit file $HERE/mfuser-edge.service not found"
if [ "$DRY_RUN" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then
  die "must run as root (or use --dry-run to see the steps)"
fi

# 1. the service user: a system account without a login shell or home directory of its own
if getent passwd "$USER_NAME" >/dev/null; then
  note "user $USER_NAME exists"
else
  run useradd --system --user-group --no-create-home --home-dir /var/lib/mfuser-edge --shell /usr/sbin/nologin \
    --comment "MFuser.Edge daemon" "$USER_NAME"
fi
for group in video dialout; do
  getent group "$group" >/dev/null || note "warning: group '$group' does not exist; remove it from SupplementaryGroups= in the unit or create it"
done

# 2. the program: root-owned, world-readable, not writable by the service
run install -d -m 0755 "$PREFIX" "$PREFIX/docs"
run cp -a --no-preserve=ownership "$FROM/." "$PREFIX/"
run chown -R root:root "$PREFIX"
run chmod -R go-w "$PREFIX"
for doc in deploy.md jetson.md serial-protocol.md; do
  if [ -f "$HERE/../docs/$doc" ]; then run install -m 0644 "$HERE/../docs/$doc" "$PREFIX/docs/$doc"; fi
done

# 3. configuration: created once, never overwritten (it is the operator's)
run install -d -m 0750 -o root -g "$USER_NAME" "$ETC"
if [ -e "$ETC/mfuser-edge.env" ]; then
  note "$ETC/mfuser-edge.env exists: kept"
else
  run install -m 0640 -o root -g "$USER_NAME" "$HERE/mfuser-edge.env.example" "$ETC/mfuser-edge.env"
fi
if [ -e "$ETC/config.json" ]; then
  note "$ETC/config.json exists: kept"
else
  run sh -c "printf '{}\n' > '$ETC/config.json'"
  run chown root:"$USER_NAME" "$ETC/config.json"
  run chmod 0640 "$ETC/config.json"
fi

# 4. the unit (it preloads jemalloc: docs/deploy.md)
if ! ldconfig -p 2>/dev/null | grep -q 'libjemalloc\.so\.2'; then
  note "warning: libjemalloc.so.2 not found (apt install libjemalloc2): the daemon will run on glibc's malloc, whose RSS creeps on long runs"
fi
run install -m 0644 "$HERE/mfuser-edge.service" "$UNIT_DIR/mfuser-edge.service"
run systemctl daemon-reload
if [ "$ENABLE" -eq 1 ]; then
  run systemctl enable mfuser-edge.service
fi
if [ "$START" -eq 1 ]; then
  run systemctl restart mfuser-edge.service
fi
note "done$([ "$DRY_RUN" -eq 1 ] && echo ' (dry run: nothing was changed)'). Edit $ETC/mfuser-edge.env, then:" \
  "systemctl start mfuser-edge; journalctl -u mfuser-edge -f"
