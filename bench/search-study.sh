#!/usr/bin/env bash
# Searched sparse-update schemes against the presets on Fashion-MNIST (issue 16; see bench/search.md).
# For each model: the contribution analysis and evolutionary search of `tinytrain search` under the SRAM total of
# the model's preset (the compiled step's, read from `tinytrain report`), then the quick protocol of
# bench/finetune-study.sh (2,000 training images in the order perm_n2000_epoch1, 1 epoch, lr 0.001, QAS,
# stochastic rounding, the protocol's head, 1,000 test images) with the searched scheme and with the preset.
#
#   bench/search-study.sh                     every model, every step (skips steps whose results exist)
#   ONLY="mcunet-5fps" bench/search-study.sh  some models (mcunet-5fps mbv2-w0.35 proxyless-w0.3)
#   STEPS="search searched" ...               some steps: search (analysis + search), searched (fine-tune of the
#                                             searched scheme), preset (fine-tune of the preset); default all three
#   TABLE_ONLY=1 bench/search-study.sh        print the table of the results already there
#   FORCE=1 ...                               rerun steps whose results exist (the analysis still resumes from its
#                                             records: delete MODEL.jsonl to remeasure)
#   SEARCH_ARGS="--repeats 2" ...             extra options of `tinytrain search`, after the model's own (MODELS
#                                             below); otherwise its default trial settings: 200 steps, 200 test
#                                             images, 4 ratios, 1 repeat
#   e.g. OUT=bench/results/search-w26 ONLY=mcunet-5fps SEARCH_ARGS="--bias-window 26" STEPS="search searched"
#                                             MCUNet over the last 26 convs only (bench/search.md)
#   THREADS=N ...                             trial threads of the analysis and evaluation threads of the
#                                             fine-tunes (default 1)
#   OUT=DIR ...                               results folder (default bench/results/search)
#   TINYTRAIN="java --add-opens=java.base/java.nio=ALL-UNNAMED -Xss8m -jar COPY.jar" ...
#                                             run a copy of the jar (default ./tinytrain, which rebuilds it)
#
# Per model MODEL the folder gets: MODEL.jsonl (the trial records, resumable), MODEL-scheme.json (the searched
# policy), MODEL-search.txt (stdout: contributions, Pareto front, presets, chosen scheme), MODEL-search.log
# (stderr: one line per trial), MODEL-search.wall (seconds of wall time of the search command, trials recorded
# before it started, and `uptime` sampled every minute while it ran), MODEL-searched.json / MODEL-preset.json (the
# tinytrain-finetune/1 results) with .svg plots and .log progress.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${TINYTRAIN_SHARED:-$ROOT/../shared}"
PROTO="$SHARED/bench/fashion-mnist-protocol"
IDX="${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
OUT="${OUT:-$ROOT/bench/results/search}"
DATA="${DATA_DIR:-$ROOT/bench/results/data}"
THREADS="${THREADS:-1}"
STEPS="${STEPS:-search searched preset}"
read -r -a TT <<<"${TINYTRAIN:-$ROOT/tinytrain}"
read -r -a SEARCH_EXTRA <<<"${SEARCH_ARGS:-}"

# model | the preset whose compiled SRAM total is the budget, fine-tuned beside the searched scheme | options of
# `tinytrain search` for this model (SEARCH_ARGS come after them): MCUNet's default analysis measures every conv;
# the other two measure the last 26 convs (their presets' windows are 25), about 60 % of the trials
MODELS=(
  "mcunet-5fps|mcunet-99kb|"
  "mbv2-w0.35|mbv2-99kb|--bias-window 26"
  "proxyless-w0.3|proxyless-98kb|--bias-window 26"
)

# shellcheck source=fashion-mnist-data.sh
source "$ROOT/bench/fashion-mnist-data.sh"
fashion_mnist_inputs
mkdir -p "$OUT"

selected() { [[ -z "${ONLY:-}" || " $ONLY " == *" $1 "* ]]; }
step_on() { [[ " $STEPS " == *" $1 "* ]]; }

# the compiled step's SRAM total of MODEL under SCHEME (stochastic rounding, QAS, stm32f746: the fine-tune's plan)
sram_total() { "${TT[@]}" report --model "$1" --scheme "$2" --format json | jq -r .sramTotalBytes; }

QUICK=(--data "$DATA/train.arrow" --test-data "$DATA/test.arrow" --train-limit 2000 --test-limit 1000
       --order "$PROTO/perm_n2000_epoch1.i32" --lr 0.001 --rounding stochastic --threads "$THREADS")

finetune() { # NAME MODEL SCHEME
  local name="$1" model="$2" scheme="$3"
  if [[ -f "$OUT/$name.json" && -z "${FORCE:-}" ]]; then echo "== $name: exists, skipped" >&2; return; fi
  echo "== $name: finetune $model --scheme $scheme (quick)" >&2
  "${TT[@]}" finetune --model "$model" --scheme "$scheme" --head-init "$PROTO/head-init/$model.bin" "${QUICK[@]}" \
      --out "$OUT/$name.json" --plot "$OUT/$name.svg" 2> >(tee "$OUT/$name.log" >&2)
}

run_all() {
  fashion_mnist_arrow
  for m in "${MODELS[@]}"; do
    IFS='|' read -r model preset model_args <<<"$m"
    selected "$model" || continue
    read -r -a model_search <<<"$model_args"
    if step_on search && { [[ ! -f "$OUT/$model-scheme.json" ]] || [[ -n "${FORCE:-}" ]]; }; then
      budget="$(sram_total "$model" "$preset")"
      echo "== $model: search under $preset's SRAM total, $budget B" >&2
      recorded=0; [[ -f "$OUT/$model.jsonl" ]] && recorded="$(grep -c . "$OUT/$model.jsonl" || true)"
      { echo "budget $budget B ($preset)"; echo "records before: $recorded"; } >"$OUT/$model-search.wall"
      ( while sleep 60; do echo "load $(date -u +%H:%M:%S) $(uptime | sed 's/.*load average: //')"; done ) \
          >>"$OUT/$model-search.wall" &
      sampler=$!
      start=$(date +%s)
      status=0
      "${TT[@]}" search --model "$model" --data "$DATA/train.arrow" --test-data "$DATA/test.arrow" \
          --head-init "$PROTO/head-init/$model.bin" --budget-sram "$budget" --threads "$THREADS" \
          "${model_search[@]}" "${SEARCH_EXTRA[@]}" --records "$OUT/$model.jsonl" --out "$OUT/$model-scheme.json" \
          >"$OUT/$model-search.txt" 2> >(tee "$OUT/$model-search.log" >&2) || status=$?
      kill "$sampler" 2>/dev/null || true
      echo "wall $(( $(date +%s) - start )) s, exit $status" >>"$OUT/$model-search.wall"
      [[ $status -eq 0 ]] || { echo "search of $model failed ($status)" >&2; exit "$status"; }
    fi
    if step_on searched; then finetune "$model-searched" "$model" "$OUT/$model-scheme.json"; fi
    if step_on preset; then finetune "$model-preset" "$model" "$preset"; fi
  done
}

table() {
  printf '| %-14s | %-14s | %-9s | %-16s | %-11s | %-9s | %-7s | %-6s | %-21s |\n' \
    model scheme "SRAM B" "predicted gain" "quick acc %" "mean loss" "ms/step" window "search wall (trials)"
  printf '|%s\n' "----------------|----------------|-----------|------------------|-------------|-----------|---------|--------|-----------------------|"
  for m in "${MODELS[@]}"; do
    IFS='|' read -r model preset _ <<<"$m"
    wall="-"
    if [[ -f "$OUT/$model-search.wall" ]] && grep -q '^wall' "$OUT/$model-search.wall"; then
      wall="$(grep '^wall' "$OUT/$model-search.wall" | tail -1 | awk '{printf "%dm%02ds", $2/60, $2%60}')"
      wall="$wall ($(sed -n 's/^records before: //p' "$OUT/$model-search.wall") pre)"
    fi
    window="-"   # the analysis's widest bias window, from its records
    [[ -f "$OUT/$model.jsonl" ]] && window="$(jq -s 'map(.biasWindow) | max' "$OUT/$model.jsonl")"
    for kind in searched preset; do
      f="$OUT/$model-$kind.json"
      name=$([[ $kind == preset ]] && echo "$preset" || echo "searched")
      gain="-"   # the analysis's prediction (points over head-only), from the search's stdout
      if [[ -f "$OUT/$model-search.txt" ]]; then
        pattern=$([[ $kind == searched ]] && echo '^chosen: ' || echo "^  preset $preset ")
        gain="$(grep "$pattern" "$OUT/$model-search.txt" | sed -n 's/.*predicted \([-+0-9.]*\) points.*/\1/p' | tail -1 || true)"
        gain="${gain:--}"
      fi
      if [[ -f "$f" ]]; then
        printf '| %-14s | %-14s | %9s | %-16s | %-11s | %-9s | %-7s | %-6s | %-21s |\n' "$model" "$name" \
          "$(jq -r .sramTotalBytes "$f")" "$gain" "$(printf '%.1f' "$(jq -r .finalTestAccuracy "$f")")" \
          "$(printf '%.4f' "$(jq -r '.epochMeanLoss[0]' "$f")")" "$(printf '%.1f' "$(jq -r .msPerStep "$f")")" \
          "$([[ $kind == searched ]] && echo "$window" || echo "")" "$([[ $kind == searched ]] && echo "$wall" || echo "")"
      else
        printf '| %-14s | %-14s | not run |\n' "$model" "$name"
      fi
    done
  done
  echo
  echo "quick protocol (2,000 training images, 1 epoch, lr 0.001, QAS, stochastic rounding, 1,000 test images);"
  echo "searched = tinytrain search under the preset's compiled SRAM total (200 trial steps, 200 test images,"
  echo "ratios 1/8..1, 1 repeat; window = the widest bias window measured, the base of the weight gains);"
  echo "predicted gain = the analysis's sum of contributions over head-only, in points of its 200 test images;"
  echo "search wall = the search command's wall time (contribution analysis + evolutionary search), with the"
  echo "number of trials already recorded when it started (pre)."
}

[[ -n "${TABLE_ONLY:-}" ]] || run_all
table
