#!/usr/bin/env bash
# Reproducible build of the bundled default model, models/mfuser-tiny-synth (MFuser 'tiny' on the synthetic drives).
#
#   models/build-mfuser-tiny.sh train  [RUN]   train the tiny preset into RUN (default runs/tiny-official; resumes there),
#                                              then, with RESTART_STEPS > 0, a warm restart from its weights into RUN-restart,
#                                              then, with ALIGN_STEPS > 0, a warm restart of that with input alignment into
#                                              RUN-aligned
#   models/build-mfuser-tiny.sh export [RUN]   package RUN's newest step-NNNNNN.safetensors (a run stopped before the
#                                              end of its schedule is fine) into models/mfuser-tiny-synth, with a fresh
#                                              mIoU table, then check it with `mfuser-edge validate-model`
#   models/build-mfuser-tiny.sh all    [RUN]   train, then export
#
# Environment: STEPS (8000), BATCH (4), SEED (2023), THREADS (2), LR (6e-4): the training schedule;
#   AUGMENT (official: resize, crop, flip, photometric distortion, rare-class sampling | flip), RCS_POOL (8192),
#   TEXT_PRIOR (minilm: MiniLM class-name table + trainable projection | none): the recipe (docs/training.md);
#   RESTART_STEPS (4500; 0: none), RESTART_LR (3e-4), RESTART_SEED (2024), RESTART_THREADS (1): a second complete poly
#   schedule started from the first run's final weights with a fresh optimizer and fresh training frames (export then
#   packages RUN-restart; the bundled model's restart ran with one thread, which holds up better on a busy machine);
#   ALIGN_STEPS (4500; 0: none), ALIGN_LR (3e-4), ALIGN_SEED (2025), ALIGN_THREADS (2): a third complete schedule from the
#   restart's final weights with per-frame input alignment (--input-align source; docs/training.md), exported instead;
#   CHECKPOINT: export this weights file instead of the newest checkpoint;
#   EVAL_FRAMES (24): held-out frames per domain for the model card's mIoU table (0: no evaluation, empty table);
#   EXPORT_THREADS (1: with a training run on the same cores, more threads oversubscribe them and run ~50x slower);
#   STATS_FRAMES (64): held-out source frames for the domain-shift statistics; VERSION (0.2.0); OUT (models/mfuser-tiny-synth).
# mfuser-train is built into build/mfuser-train, so a training run going on from src/MFuser.Training/bin is not disturbed.
# Once the tools are built, the export stage takes about a minute on 2 cores (EVAL_FRAMES=24 over 10 domains and the
# TorchSharp-vs-ONNX parity check included).
set -euo pipefail
cd "$(dirname "$0")/.."

STAGE=${1:-export}
RUN=${2:-runs/tiny-official}
STEPS=${STEPS:-8000} BATCH=${BATCH:-4} SEED=${SEED:-2023} THREADS=${THREADS:-2} LR=${LR:-6e-4}
AUGMENT=${AUGMENT:-official} RCS_POOL=${RCS_POOL:-8192} TEXT_PRIOR=${TEXT_PRIOR:-minilm}
EXPORT_THREADS=${EXPORT_THREADS:-1} EVAL_FRAMES=${EVAL_FRAMES:-24} STATS_FRAMES=${STATS_FRAMES:-64} VERSION=${VERSION:-0.2.0}
RESTART_STEPS=${RESTART_STEPS:-4500} RESTART_LR=${RESTART_LR:-3e-4} RESTART_SEED=${RESTART_SEED:-2024} RESTART_THREADS=${RESTART_THREADS:-1}
ALIGN_STEPS=${ALIGN_STEPS:-4500} ALIGN_LR=${ALIGN_LR:-3e-4} ALIGN_SEED=${ALIGN_SEED:-2025} ALIGN_THREADS=${ALIGN_THREADS:-2}
OUT=${OUT:-models/mfuser-tiny-synth}
RESTART=$RUN; [ "$RESTART_STEPS" -gt 0 ] && RESTART=$RUN-restart
FINAL=$RESTART; [ "$ALIGN_STEPS" -gt 0 ] && FINAL=$RUN-aligned
OPS=native/selective_scan/build/libmfuser_ops.so
TRAIN=build/mfuser-train/mfuser-train
EDGE=src/MFuser.Edge/bin/Release/net10.0/linux-x64/mfuser-edge

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

build_tools() {
  [ -f "$OPS" ] || ./build.sh native
  log "building mfuser-train into build/mfuser-train"
  dotnet build src/MFuser.Training -c Release -o build/mfuser-train -v quiet -nologo
}

train() {
  log "training tiny: $STEPS steps, batch $BATCH, lr $LR, seed $SEED, --augment $AUGMENT, --text-prior $TEXT_PRIOR, into $RUN"
  "$TRAIN" train --preset tiny --steps "$STEPS" --batch "$BATCH" --lr "$LR" --seed "$SEED" --threads "$THREADS" \
    --augment "$AUGMENT" --rcs-pool "$RCS_POOL" --text-prior "$TEXT_PRIOR" --checkpoint-every 100 --out "$RUN"
  restart "$RESTART_STEPS" "$RESTART_LR" "$RESTART_SEED" "$RESTART_THREADS" "$RUN" "$RESTART" none
  restart "$ALIGN_STEPS" "$ALIGN_LR" "$ALIGN_SEED" "$ALIGN_THREADS" "$RESTART" "$FINAL" source
}

# restart STEPS LR SEED THREADS FROM INTO INPUT_ALIGN: a complete schedule from FROM's final weights (skipped at 0 steps)
restart() {
  [ "$1" -gt 0 ] || return 0
  log "warm restart: $1 steps, lr $2, seed $3, --input-align $7, from $5/model.safetensors into $6"
  "$TRAIN" train --preset tiny --steps "$1" --batch "$BATCH" --lr "$2" --seed "$3" --threads "$4" \
    --augment "$AUGMENT" --rcs-pool "$RCS_POOL" --text-prior "$TEXT_PRIOR" --input-align "$7" --checkpoint-every 100 --out "$6" \
    --init-from "$5/model.safetensors"
}

export_package() {
  log "exporting $FINAL${CHECKPOINT:+ ($CHECKPOINT)} into $OUT"
  rm -rf "$OUT"
  "$TRAIN" export --run "$FINAL" ${CHECKPOINT:+--checkpoint "$CHECKPOINT"} --out "$OUT" --name mfuser-tiny-synth \
    --version "$VERSION" --stats-frames "$STATS_FRAMES" --eval-frames "$EVAL_FRAMES" --ops-library "$OPS" --threads "$EXPORT_THREADS"
  log "validating $OUT with mfuser-edge"
  dotnet build src/MFuser.Edge -c Release -v quiet -nologo
  MFUSER_INFERENCE_CUSTOM_OP_LIBRARY="$PWD/$OPS" "$EDGE" validate-model "$OUT"
  (cd "$OUT" && sha256sum -c --quiet SHA256SUMS)
  du -sh "$OUT"
}

case "$STAGE" in
  train) build_tools; train ;;
  export) build_tools; export_package ;;
  all) build_tools; train; export_package ;;
  *) echo "usage: $0 train|export|all [run folder]" >&2; exit 2 ;;
esac
