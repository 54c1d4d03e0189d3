#!/usr/bin/env bash
# Fine-tuning study on Fashion-MNIST under the reference protocol (../shared/bench/fashion-mnist-protocol):
# the compiled int8 training step of MCUNet-5fps, batch 1, in each configuration of issue 7, side by side with
# the reference runs of ../shared/reference/ACCURACY-ANCHORS.md. See bench/finetune.md.
#
#   bench/finetune-study.sh [quick|full]        run every configuration (skips those whose results exist)
#   ONLY="c2 b1" bench/finetune-study.sh quick  run only some (names in the table below)
#   TABLE_ONLY=1 bench/finetune-study.sh quick  print the table of the results already there
#   FORCE=1 ...                                 rerun even when results exist
#   OUT=DIR ...                                 results folder (default bench/results/finetune-<mode>)
#   THREADS=N ...                               evaluation threads per run (default: all processors)
#   TINYTRAIN="java --add-opens=java.base/java.nio=ALL-UNNAMED -Xss8m -jar COPY.jar" ...
#                                               run a copy of the jar (default ./tinytrain, which rebuilds it
#                                               when a source changed: do not edit sources during a study then)
#
# quick: first 2,000 training images in the order perm_n2000_epoch1, 1 epoch, tested on the first 1,000 test
#        images (about 3-5 minutes per configuration on 2 cores).
# full:  first 10,000 training images, 3 epochs in the orders perm_n10000_epoch{1,2,3}, tested on all 10,000 after
#        each epoch and every 2,000 steps of epoch 3 (30,000 steps and 70,000 test inferences per configuration).
set -euo pipefail
MODE="${1:-quick}"
[[ "$MODE" == quick || "$MODE" == full ]] || { echo "usage: $0 [quick|full]" >&2; exit 2; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${TINYTRAIN_SHARED:-$ROOT/../shared}"
PROTO="$SHARED/bench/fashion-mnist-protocol"
MODEL="mcunet-5fps"   # the shipped pretrained model
IDX="${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
OUT="${OUT:-$ROOT/bench/results/finetune-$MODE}"
DATA="${DATA_DIR:-$ROOT/bench/results/data}"
# the command to run; TINYTRAIN="java ... -jar COPY.jar" keeps long studies safe from rebuilds of the jar
read -r -a TT <<<"${TINYTRAIN:-$ROOT/tinytrain}"

# name | scheme | rounding | qas | lr | reference row | ref quick | ref ep1 | ref ep2 | ref ep3 | ref ckpt mean | ref ms/step
#      | schedule (optional: "cosine/WARMUP_STEPS/MIN_LR_FRACTION"; absent or "constant" = a constant rate)
CONFIGS=(
  "head|head-only|stochastic|qas|0.003|B0|82.0|80.2|84.1|81.3|83.6|-"
  "c1|mcunet-99kb|nearest_even|qas|0.001|C1|82.5|81.7|78.3|83.0|84.3|-"
  "c2|mcunet-99kb|stochastic|qas|0.001|C2|84.6|85.4|88.4|85.6|88.0|13.1"
  "b1|mcunet-99kb|float_master|qas|0.001|B1|84.5|84.8|88.1|84.7|88.7|12.3"
  "n-ne|mcunet-99kb|nearest_even|noqas|0.003|B2*|82.0|80.2|84.1|81.3|83.6|-"
  "n-st|mcunet-99kb|stochastic|noqas|0.003|B2*|82.0|80.2|84.1|81.3|83.6|-"
  "b2|mcunet-99kb|float_master|noqas|0.003|B2|82.0|80.2|84.1|81.3|83.6|-"
  "l148|mcunet-148kb|stochastic|qas|0.001|-|-|-|-|-|-|-"
  "s49|mcunet-49kb|stochastic|qas|0.001|-|-|-|-|-|-|-"
  # issue 16: c2 with cosine decay after a linear warm-up (the paper's schedule), peak rate 0.001 and 0.002
  "cos1|mcunet-99kb|stochastic|qas|0.001|-|-|-|-|-|-|-|cosine/1000/0"
  "cos2|mcunet-99kb|stochastic|qas|0.002|-|-|-|-|-|-|-|cosine/1000/0"
)

# shellcheck source=fashion-mnist-data.sh
source "$ROOT/bench/fashion-mnist-data.sh"
fashion_mnist_inputs
mkdir -p "$OUT"

run_all() {
  fashion_mnist_arrow
  if [[ "$MODE" == quick ]]; then
    PROTOCOL=(--train-limit 2000 --test-limit 1000 --order "$PROTO/perm_n2000_epoch1.i32")
  else
    PROTOCOL=(--train-limit 10000 --test-limit 10000 --epochs 3
              --order "$PROTO/perm_n10000_epoch1.i32,$PROTO/perm_n10000_epoch2.i32,$PROTO/perm_n10000_epoch3.i32"
              --eval-every 2000 --eval-every-from 3 --no-initial-eval)
  fi
  for c in "${CONFIGS[@]}"; do
    IFS='|' read -r name scheme rounding qas lr _ _ _ _ _ _ _ sched <<<"$c"
    if [[ -n "${ONLY:-}" && " $ONLY " != *" $name "* ]]; then continue; fi
    if [[ -f "$OUT/$name.json" && -z "${FORCE:-}" ]]; then echo "== $name: $OUT/$name.json exists, skipped" >&2; continue; fi
    extra=()
    [[ "$qas" == noqas ]] && extra+=(--no-qas)
    # float master copies do not fit the STM32F746's SRAM: simulate them on the host budget (the table says so)
    [[ "$rounding" == float_master ]] && extra+=(--target host)
    [[ -n "${THREADS:-}" ]] && extra+=(--threads "$THREADS")
    if [[ -n "$sched" && "$sched" != constant ]]; then
      IFS=/ read -r kind warmup minfrac <<<"$sched"
      extra+=(--lr-schedule "$kind" --warmup-steps "$warmup" --min-lr-fraction "$minfrac")
    fi
    echo "== $name: $scheme $rounding $qas lr $lr ${sched:-constant} ($MODE)" >&2
    "${TT[@]}" finetune --model "$MODEL" --scheme "$scheme" --data "$DATA/train.arrow" --test-data "$DATA/test.arrow" \
        "${PROTOCOL[@]}" --head-init "$PROTO/head-init/mcunet-5fps.bin" --lr "$lr" --rounding "$rounding" \
        "${extra[@]}" --out "$OUT/$name.json" --plot "$OUT/$name.svg" 2> >(tee "$OUT/$name.log" >&2)
  done
}

table() {
  local budget=$((320 * 1024))
  if [[ "$MODE" == quick ]]; then
    printf '| %-5s | %-12s | %-12s | %-3s | %-5s | %-9s | %-9s | %-9s | %-8s | %-9s | %-15s |\n' \
      config scheme rounding QAS lr "test acc" reference "ref row" "SRAM B" "fits F746" "ms/step JVM"
    printf '|%s\n' "-------|--------------|--------------|-----|-------|-----------|-----------|-----------|----------|-----------|-----------------|"
  else
    printf '| %-5s | %-12s | %-12s | %-3s | %-5s | %-17s | %-17s | %-17s | %-17s | %-7s | %-8s | %-9s | %-15s |\n' \
      config scheme rounding QAS lr "ep1 (ref)" "ep2 (ref)" "ep3 (ref)" "ckpt mean (ref)" "ref row" "SRAM B" \
      "fits F746" "ms/step JVM"
    printf '|%s\n' "-------|--------------|--------------|-----|-------|-------------------|-------------------|-------------------|-------------------|---------|----------|-----------|-----------------|"
  fi
  for c in "${CONFIGS[@]}"; do
    IFS='|' read -r name scheme rounding qas lr row rq r1 r2 r3 rck rms sched <<<"$c"
    f="$OUT/$name.json"
    q=$([[ "$qas" == qas ]] && echo yes || echo no)
    rnd=$([[ "$scheme" == head-only ]] && echo "(none)" || echo "$rounding")
    # a schedule shows beside the (peak) rate: "0.001 cosine/1000/0"
    [[ -n "$sched" && "$sched" != constant ]] && lr="$lr $sched"
    if [[ ! -f "$f" ]]; then
      printf '| %-5s | %-12s | %-12s | %-3s | %-5s | not run\n' "$name" "$scheme" "$rnd" "$q" "$lr"
      continue
    fi
    sram=$(jq -r .sramTotalBytes "$f")
    fits=$([[ "$sram" -le "$budget" ]] && echo yes || echo no)
    ms=$(printf '%.1f' "$(jq -r .msPerStep "$f")")
    msr="$ms"; [[ "$rms" != - ]] && msr="$ms (ref $rms)"
    if [[ "$MODE" == quick ]]; then
      acc=$(printf '%.1f' "$(jq -r .finalTestAccuracy "$f")")
      printf '| %-5s | %-12s | %-12s | %-3s | %-5s | %-9s | %-9s | %-9s | %8s | %-9s | %-15s |\n' \
        "$name" "$scheme" "$rnd" "$q" "$lr" "$acc" "$rq" "$row" "$sram" "$fits" "$msr"
    else
      e=()
      for ep in 1 2 3; do
        e+=("$(printf '%.1f' "$(jq -r --argjson ep "$ep" '[.evaluations[] | select(.epoch == $ep)] | last | .testAccuracy' "$f")")")
      done
      ck=$(printf '%.2f' "$(jq -r .epoch3CheckpointMean "$f")")
      printf '| %-5s | %-12s | %-12s | %-3s | %-5s | %-17s | %-17s | %-17s | %-17s | %-7s | %8s | %-9s | %-15s |\n' \
        "$name" "$scheme" "$rnd" "$q" "$lr" "${e[0]} ($r1)" "${e[1]} ($r2)" "${e[2]} ($r3)" "$ck ($rck)" "$row" \
        "$sram" "$fits" "$msr"
    fi
  done
  echo
  echo "test acc in % (quick: after the epoch; full: after each epoch, and the mean of the five epoch-3 checkpoints);"
  echo "reference = ACCURACY-ANCHORS.md (PyTorch); B2* = the reference has no-QAS only with float master weights;"
  echo "SRAM = the compiled step's need (arena + trained parameters + master copies + stack) against 320 KB;"
  echo "float_master rows do not fit the STM32F746 and run on the host budget; ms/step = JVM wall time of trainStep;"
  echo "lr X cosine/W/F = peak rate X, linear warm-up over W steps, cosine decay to F*X at the last step."
}

[[ -n "${TABLE_ONLY:-}" ]] || run_all
table
