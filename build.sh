#!/usr/bin/env bash
# MFuser.Edge build entry point. Usage: ./build.sh <command> [args]
#   deps      install the system packages the other commands need (apt, as root; otherwise prints the command)
#   native    build the selective-scan operator library (native/selective_scan) with CMake
#   build     native + dotnet build of the whole solution (Release)
#   test      build, then run every test: native ctest and all xunit projects
#   publish   write a runnable daemon to artifacts/mfuser-edge/mfuser-edge
#   demo      publish, then run the daemon on the embedded default (bundled model, built-in broker, synthetic drive)
#             with the web console on (MFUSER_WEB_ENABLED=false turns it off); prints its URL
#   model     rebuild the bundled model: models/build-mfuser-tiny.sh [train|export|all] [RUN] (train, export, validate)
#   bench     build, then run the benchmark suite: bench/results/<date>-<host>.json and docs/performance.md (--quick: smoke run)
# Environment: ORT_FLAVOR=Cpu|Gpu|Managed (ONNX Runtime native package, default Cpu); CONFIGURATION (default Release).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
CONFIGURATION=${CONFIGURATION:-Release}
ORT_FLAVOR=${ORT_FLAVOR:-Cpu}
# ORT_DISABLE_TELEMETRY: the training/export tool and the benchmarks create ONNX Runtime sessions too (docs/deploy.md, Privacy).
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 ORT_DISABLE_TELEMETRY=1

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# apt packages each command needs, and the file or program that shows each is present.
APT_RUNTIME=(libgtk-3-0 ffmpeg)                            # OpenCvSharp native links GTK; ffmpeg decodes network streams
APT_TEST=(libgtk-3-0 mosquitto mosquitto-clients ffmpeg socat patchelf cmake g++ nodejs chromium prometheus)
# GStreamer's RTSP server for the RTSP tests (tests/MFuser.TestSupport/Rtsp/serve.py, run by the system python3)
APT_TEST+=(python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly)
APT_TEST+=(gstreamer1.0-plugins-bad gstreamer1.0-libav)
need_pkgs() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    log "installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    die "missing system packages: ${missing[*]}. Run: sudo apt-get install -y ${missing[*]}"
  fi
}
command -v dotnet >/dev/null || die "the .NET SDK 10 is required (dotnet not on PATH): https://dot.net"

ort_include() {
  local dir="${NUGET_PACKAGES:-$HOME/.nuget/packages}/microsoft.ml.onnxruntime/1.31.1/build/native/include"
  [ -f "$dir/onnxruntime_c_api.h" ] || dotnet restore src/MFuser.Edge/MFuser.Edge.csproj -p:OrtFlavor=Cpu >/dev/null
  [ -f "$dir/onnxruntime_c_api.h" ] || die "ONNX Runtime headers not found at $dir"
  echo "$dir"
}

cmd_native() {
  need_pkgs cmake g++
  local inc; inc=$(ort_include)
  log "building native/selective_scan"
  cmake -S native/selective_scan -B native/selective_scan/build -DCMAKE_BUILD_TYPE=Release -DORT_INCLUDE_DIR="$inc" >/dev/null
  cmake --build native/selective_scan/build -j"$(nproc)"
}

cmd_build() {
  need_pkgs "${APT_RUNTIME[@]}"
  cmd_native
  log "dotnet build ($CONFIGURATION, ORT $ORT_FLAVOR)"
  dotnet build MFuser.Edge.sln -c "$CONFIGURATION" -p:OrtFlavor="$ORT_FLAVOR" -nologo -clp:ErrorsOnly
}

cmd_test() {
  need_pkgs "${APT_TEST[@]}"
  cmd_build
  local out; out=$(mktemp)
  log "native tests (ctest)"
  ctest --test-dir native/selective_scan/build --output-on-failure | tee "$out"
  log "dotnet test"
  local rc=0
  dotnet test MFuser.Edge.sln -c "$CONFIGURATION" -p:OrtFlavor="$ORT_FLAVOR" --no-build -nologo "$@" | tee -a "$out" || rc=$?
  # One closing line over both runners: ctest's "out of N" and every xunit project's "Passed: P, Failed: F".
  awk '/tests passed, [0-9]+ tests failed out of/ { p += $NF - $4; f += $4 }
       /^(Passed|Failed)! / { for (i = 1; i <= NF; i++) { if ($i == "Passed:") p += $(i+1); if ($i == "Failed:") f += $(i+1) } }
       END { printf "tests: %d passed, %d failed\n", p, f }' "$out"
  rm -f "$out"
  return $rc
}

cmd_publish() {
  need_pkgs "${APT_RUNTIME[@]}"
  cmd_native
  log "publishing the daemon to artifacts/mfuser-edge"
  dotnet publish src/MFuser.Edge/MFuser.Edge.csproj -c "$CONFIGURATION" -p:OrtFlavor="$ORT_FLAVOR" -o artifacts/mfuser-edge -nologo -clp:ErrorsOnly
  [ -f artifacts/mfuser-edge/libmfuser_ops.so ] ||
    die "artifacts/mfuser-edge/libmfuser_ops.so missing: the bundled model needs the selective-scan op (./build.sh native)"
  log "run it: artifacts/mfuser-edge/mfuser-edge run --help"
}

cmd_demo() {
  cmd_publish
  export MFUSER_WEB_ENABLED="${MFUSER_WEB_ENABLED:-true}"
  log "starting the demo (Ctrl-C to stop)"
  [ "$MFUSER_WEB_ENABLED" = true ] && log "web console: http://${MFUSER_WEB_LISTEN:-127.0.0.1:8080}/ (docs/console.md)"
  exec artifacts/mfuser-edge/mfuser-edge run "$@"
}

cmd_bench() {
  need_pkgs "${APT_RUNTIME[@]}"
  cmd_native
  log "building the daemon and mfuser-bench ($CONFIGURATION)"
  dotnet build src/MFuser.Edge/MFuser.Edge.csproj -c "$CONFIGURATION" -p:OrtFlavor=Cpu -nologo -clp:ErrorsOnly
  dotnet build bench/MFuser.Bench/MFuser.Bench.csproj -c "$CONFIGURATION" -nologo -clp:ErrorsOnly
  log "running the benchmark suite"
  bench/MFuser.Bench/bin/"$CONFIGURATION"/net10.0/linux-x64/mfuser-bench all "$@"
}

cmd_model() {
  cmd_native
  exec models/build-mfuser-tiny.sh "${1:-export}" "${2:-runs/tiny-long}"
}

cmd_deps() { need_pkgs "${APT_TEST[@]}"; }

case "${1:-}" in
  deps|native|build|test|publish|demo|bench|model) c=$1; shift; "cmd_$c" "$@" ;;
  *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 1 ;;
esac
