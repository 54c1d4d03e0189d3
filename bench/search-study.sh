#!/usr/bin/env bash
# Searched sparse-update schemes against the presets on Fashion-MNIST (issue 16; see bench/search.md).
# For each model: the contribution analysis, evolutionary search and finalist re-measurement of `tinytrain search`
# under the SRAM total of the model's preset (the compiled step's, read from `tinytrain report`), then the quick
# protocol of bench/finetune-study.sh (2,000 training images in the order perm_n2000_epoch1, 1 epoch, lr 0.001,
# QAS, stochastic rounding, the protocol's head, 1,000 test images) with the searched scheme and with the preset,
# once per seed of SEEDS (the stochastic-rounding seed).
#
# The search never sees the test set: its trials and finalists are scored on validation images, rows 2,000..2,999
# of the training file (after the 2,000 images the trials and the quick protocol train on; more rows from 2,000 when
# SEARCH_ARGS give --finalist-val-limit above 1,000).
#
#   bench/search-study.sh                     every model, every step (skips steps whose results exist)
#   ONLY="mcunet-5fps" bench/search-study.sh  some models (mcunet-5fps mbv2-w0.35 proxyless-w0.3)
#   STEPS="search searched" ...               some steps: search (analysis + search + finalists), searched
#                                             (fine-tunes of the searched scheme), preset (fine-tunes of the
#                                             preset); default all three
#   SEEDS="0 1 2" ...                         seeds of the quick-protocol fine-tunes (default 0 1 2)
#   TABLE_ONLY=1 bench/search-study.sh        print the table of the results already there
#   FORCE=1 ...                               rerun steps whose results exist (the analysis still resumes from its
#                                             records: delete MODEL.jsonl to remeasure)
#   SEARCH_ARGS="--repeats 3" ...             extra options of `tinytrain search`, after the model's own (MODELS
#                                             below); otherwise its defaults: 200 trial steps, 200 validation
#                                             images, 4 ratios, 1 repeat, shrinkage 1 SE, 3 finalists of 1,000
#                                             steps x 2 seeds on 1,000 validation images
#   MODEL_ARGS="--bias-window 26 --repeats 2" ...
#                                             replace the model's own options of `tinytrain search` (MODELS below;
#                                             picocli rejects an option given twice, so SEARCH_ARGS cannot override
#                                             them)
#   THREADS=N ...                             trial threads of the analysis and evaluation threads of the
#                                             fine-tunes (default 1)
#   OUT=DIR ...                               results folder (default bench/results/search-val)
#   TEST_LIMIT=N ...                          the fine-tunes test on the first N test images (default 1000, the
#                                             quick protocol's; 10000 is the whole test set)
#   TINYTRAIN="java --add-opens=java.base/java.nio=ALL-UNNAMED -Xss8m -jar COPY.jar" ...
#                                             run a copy of the jar (default ./tinytrain, which rebuilds it)
#
# Per model MODEL the folder gets: MODEL.jsonl (the trial records, resumable), MODEL-scheme.json (the searched
# policy), MODEL-search.txt (stdout: contributions with standard errors, Pareto front, presets, finalists, chosen
# scheme), MODEL-search.log (stderr: one line per trial and finalist), MODEL-search.wall (seconds of wall time of the
# search command, trials recorded before it started, and `uptime` sampled every minute while it ran),
# MODEL-searched-sS.json / MODEL-preset-sS.json (the tinytrain-finetune/1 results of seed S) with .svg plots and
# .log progress.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${TINYTRAIN_SHARED:-$ROOT/../shared}"
PROTO="$SHARED/bench/fashion-mnist-protocol"
IDX="${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
OUT="${OUT:-$ROOT/bench/results/search-val}"
DATA="${DATA_DIR:-$ROOT/bench/results/data}"
THREADS="${THREADS:-1}"
STEPS="${STEPS:-search searched preset}"
SEEDS="${SEEDS:-0 1 2}"
read -r -a TT <<<"${TINYTRAIN:-$ROOT/tinytrain}"
read -r -a SEARCH_EXTRA <<<"${SEARCH_ARGS:-}"

# model | the preset whose compiled SRAM total is the budget, fine-tuned beside the searched scheme | options of
# `tinytrain search` for this model (SEARCH_ARGS come after them): the last 26 convs (the presets' windows are 25
# and under), 3 repeats for MCUNet (the noisiest table of the earlier study)
MODELS=(
  "mcunet-5fps|mcunet-99kb|--bias-window 26 --repeats 3"
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

QUICK=(--data "$DATA/train.arrow" --test-data "$DATA/test.arrow" --train-limit 2000 --test-limit "${TEST_LIMIT:-1000}"
       --order "$PROTO/perm_n2000_epoch1.i32" --lr 0.001 --rounding stochastic --threads "$THREADS")

finetune() { # NAME MODEL SCHEME SEED
  local name="$1" model="$2" scheme="$3" seed="$4"
  if [[ -f "$OUT/$name.json" && -z "${FORCE:-}" ]]; then echo "== $name: exists, skipped" >&2; return; fi
  echo "== $name: finetune $model --scheme $scheme --seed $seed (quick)" >&2
  "${TT[@]}" finetune --model "$model" --scheme "$scheme" --head-init "$PROTO/head-init/$model.bin" "${QUICK[@]}" \
      --seed "$seed" --out "$OUT/$name.json" --plot "$OUT/$name.svg" 2> >(tee "$OUT/$name.log" >&2)
}

run_all() {
  fashion_mnist_arrow
  for m in "${MODELS[@]}"; do
    IFS='|' read -r model preset model_args <<<"$m"
    selected "$model" || continue
    read -r -a model_search <<<"${MODEL_ARGS-$model_args}"
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
      "${TT[@]}" search --model "$model" --data "$DATA/train.arrow" \
          --head-init "$PROTO/head-init/$model.bin" --budget-sram "$budget" --threads "$THREADS" \
          "${model_search[@]}" "${SEARCH_EXTRA[@]}" --records "$OUT/$model.jsonl" --out "$OUT/$model-scheme.json" \
          >"$OUT/$model-search.txt" 2> >(tee "$OUT/$model-search.log" >&2) || status=$?
      kill "$sampler" 2>/dev/null || true
      echo "wall $(( $(date +%s) - start )) s, exit $status" >>"$OUT/$model-search.wall"
      [[ $status -eq 0 ]] || { echo "search of $model failed ($status)" >&2; exit "$status"; }
    fi
    for seed in $SEEDS; do
      if step_on searched; then finetune "$model-searched-s$seed" "$model" "$OUT/$model-scheme.json" "$seed"; fi
      if step_on preset; then finetune "$model-preset-s$seed" "$model" "$preset" "$seed"; fi
    done
  done
}

table() {
  printf '| %-14s | %-14s | %-9s | %-14s | %-20s | %-22s | %-9s | %-7s | %-21s |\n' model scheme "SRAM B" \
    "predicted gain" "finalist val acc %" "quick acc % (seeds)" "mean" "loss" "search wall (trials)"
  printf '|%s\n' "----------------|----------------|-----------|----------------|----------------------|------------------------|-----------|---------|-----------------------|"
  for m in "${MODELS[@]}"; do
    IFS='|' read -r model preset _ <<<"$m"
    wall="-"
    if [[ -f "$OUT/$model-search.wall" ]] && grep -q '^wall' "$OUT/$model-search.wall"; then
      wall="$(grep '^wall' "$OUT/$model-search.wall" | tail -1 | awk '{printf "%dm%02ds", $2/60, $2%60}')"
      wall="$wall ($(sed -n 's/^records before: //p' "$OUT/$model-search.wall") pre)"
    fi
    for kind in searched preset; do
      name=$([[ $kind == preset ]] && echo "$preset" || echo "searched")
      gain="-"; measured="-"   # the analysis's prediction (points over head-only) and the finalist's measurement
      if [[ -f "$OUT/$model-search.txt" ]]; then
        pattern=$([[ $kind == searched ]] && echo '^chosen: ' || echo "^  preset $preset ")
        gain="$(grep "$pattern" "$OUT/$model-search.txt" | sed -n 's/.*predicted \([-+0-9.]*\) points.*/\1/p' | tail -1 || true)"
        gain="${gain:--}"
        if [[ $kind == searched ]]; then
          measured="$(grep '^chosen: ' "$OUT/$model-search.txt" | sed -n 's/.*measured \([0-9.]*%* +- [0-9.]*\).*/\1/p' | tail -1 || true)"
          measured="${measured:--}"
        fi
      fi
      accs=(); losses=(); sram="-"
      for seed in $SEEDS; do
        f="$OUT/$model-$kind-s$seed.json"
        [[ -f "$f" ]] || continue
        sram="$(jq -r .sramTotalBytes "$f")"
        accs+=("$(jq -r .finalTestAccuracy "$f")"); losses+=("$(jq -r '.epochMeanLoss[0]' "$f")")
      done
      if [[ ${#accs[@]} -gt 0 ]]; then
        list="$(printf '%s\n' "${accs[@]}" | awk '{printf "%s%.1f", (NR > 1 ? " " : ""), $1}')"
        mean="$(printf '%s\n' "${accs[@]}" | awk '{s+=$1} END {printf "%.2f", s/NR}')"
        loss="$(printf '%s\n' "${losses[@]}" | awk '{s+=$1} END {printf "%.4f", s/NR}')"
        printf '| %-14s | %-14s | %9s | %-14s | %-20s | %-22s | %-9s | %-7s | %-21s |\n' "$model" "$name" "$sram" \
          "$gain" "$measured" "$list" "$mean" "$loss" "$([[ $kind == searched ]] && echo "$wall" || echo "")"
      else
        printf '| %-14s | %-14s | not run |\n' "$model" "$name"
      fi
    done
  done
  echo
  echo "quick protocol (2,000 training images, 1 epoch, lr 0.001, QAS, stochastic rounding, the first ${TEST_LIMIT:-1000} test"
  echo "images), once per seed ($SEEDS); searched = tinytrain search under the preset's compiled SRAM total, its trials and finalists"
  echo "scored on validation rows from 2,000 of the training file (2,000..2,999 unless --finalist-val-limit says more);"
  echo "predicted gain = the shrunk contributions summed,"
  echo "points over head-only on 200 validation images; finalist val acc = the chosen finalist's mean +- standard"
  echo "error over its seeds on 1,000 validation images; search wall = the search command's wall time (analysis,"
  echo "search and finalists), with the number of trials already recorded when it started (pre)."
}

[[ -n "${TABLE_ONLY:-}" ]] || run_all
table
