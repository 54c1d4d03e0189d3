#!/usr/bin/env bash
# Issue 14's last target, measured with enough seeds: the imported mcunet-5fps-int8.tflite fine-tuned with
# mcunet-99kb addressed by TFLite operator index (bench/mcunet-99kb-tflite.json) against the native mcunet-5fps
# with the mcunet-99kb preset, same protocol (quick: 2,000 images in perm_n2000_epoch1, 1 epoch; the protocol's
# head; lr 0.001, QAS, stochastic rounding), one run per --seed (the seed drives stochastic rounding only: the
# order and the head are the protocol's). See bench/finetune.md, "Imported TFLite model against the native one".
#
#   bench/tflite-gap-study.sh                    run every (side, seed) whose result is missing, then the table
#   SEEDS="0 1 2" SIDES="native" ...             pick seeds / sides (native, tflite, native-head, tflite-head)
#   TEST_LIMIT=10000 OUT=... ...                 evaluate on more test images (default 1,000, the quick protocol)
#   TABLE_ONLY=1 ...                             print the table of the results already there
#   TINYTRAIN="java --add-opens=java.base/java.nio=ALL-UNNAMED -Xss8m -jar COPY.jar" ...
#                                                run a copy of the jar (default ./tinytrain)
#   THREADS=N                                    evaluation threads per run
#
# Results: OUT/<side>-s<seed>.json (.log), default bench/results/tflite-gap-quick (TEST_LIMIT 1000) or
# bench/results/tflite-gap-quick-t<TEST_LIMIT>.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# SHARED, PROTO, IDX and the data helpers
# shellcheck source=fashion-mnist-data.sh
source "$ROOT/bench/fashion-mnist-data.sh"
TEST_LIMIT="${TEST_LIMIT:-1000}"
if [[ "$TEST_LIMIT" == 1000 ]]; then dflt="$ROOT/bench/results/tflite-gap-quick"
else dflt="$ROOT/bench/results/tflite-gap-quick-t$TEST_LIMIT"; fi
OUT="${OUT:-$dflt}"
DATA="${DATA_DIR:-$ROOT/bench/results/data}"
SEEDS="${SEEDS:-0 1 2 3 4 5 6 7 8 9}"
SIDES="${SIDES:-native tflite}"
read -r -a TT <<<"${TINYTRAIN:-$ROOT/tinytrain}"

# side | model | scheme | lr
CONFIGS=(
  "native|mcunet-5fps|mcunet-99kb|0.001"
  "tflite|$SHARED/tflite/mcunet-5fps-int8.tflite|$ROOT/bench/mcunet-99kb-tflite.json|0.001"
  "native-head|mcunet-5fps|head-only|0.003"
  "tflite-head|$SHARED/tflite/mcunet-5fps-int8.tflite|head-only|0.003"
)

run_all() {
  fashion_mnist_inputs
  fashion_mnist_arrow
  mkdir -p "$OUT"
  # seeds outside, sides inside: an interrupted study leaves both sides with about as many seeds
  for seed in $SEEDS; do
    for side in $SIDES; do
      for c in "${CONFIGS[@]}"; do
        IFS='|' read -r name model scheme lr <<<"$c"
        [[ "$name" == "$side" ]] || continue
        f="$OUT/$name-s$seed.json"
        if [[ -f "$f" && -z "${FORCE:-}" ]]; then continue; fi
        extra=()
        [[ -n "${THREADS:-}" ]] && extra+=(--threads "$THREADS")
        echo "== $name seed $seed (test images $TEST_LIMIT)" >&2
        "${TT[@]}" finetune --model "$model" --scheme "$scheme" --data "$DATA/train.arrow" \
            --test-data "$DATA/test.arrow" --train-limit 2000 --test-limit "$TEST_LIMIT" \
            --order "$PROTO/perm_n2000_epoch1.i32" --head-init "$PROTO/head-init/mcunet-5fps.bin" --lr "$lr" \
            --rounding stochastic --seed "$seed" --no-initial-eval "${extra[@]}" --out "$f" >"$OUT/$name-s$seed.log" 2>&1
      done
    done
  done
}

# one row per side: n, the accuracies by seed, mean and standard error of the mean (sample sd / sqrt(n))
table() {
  printf '| %-11s | %-2s | %-60s | %-6s | %-5s |\n' side n "final test accuracy % by seed" mean "s.e."
  printf '|%s\n' "-------------|----|--------------------------------------------------------------|--------|-------|"
  for c in "${CONFIGS[@]}"; do
    IFS='|' read -r name _ _ _ <<<"$c"
    files=()
    for seed in $SEEDS; do [[ -f "$OUT/$name-s$seed.json" ]] && files+=("$OUT/$name-s$seed.json"); done
    [[ ${#files[@]} -gt 0 ]] || continue
    jq -s -r --arg name "$name" '
      def fixed(d): (pow(10; d)) as $p | (. * $p | round) as $r | ($r | fabs) as $u
        | "\(if $r < 0 then "-" else "" end)\($u / $p | floor).\(($u % $p) + $p | tostring | .[1:])";
      def pad(w): . + " " * ([w - length, 0] | max);
      [.[] | .finalTestAccuracy] as $a | ($a | length) as $n | ($a | add / $n) as $m
      | (if $n > 1 then (([$a[] | (. - $m) * (. - $m)] | add) / ($n - 1) | sqrt) / ($n | sqrt) else 0 end) as $se
      | "| \($name | pad(11)) | \($n | tostring | pad(2)) | \([$a[] | fixed(1)] | join(" ") | pad(60)) | \($m | fixed(2) | pad(6)) | \($se | fixed(2) | pad(5)) |"
    ' "${files[@]}"
  done
}

# "A - B": the difference of two sides' means and its standard error sqrt(se_A^2 + se_B^2) (independent runs)
difference() {
  local a=() b=()
  for seed in $SEEDS; do
    [[ -f "$OUT/$1-s$seed.json" ]] && a+=("$OUT/$1-s$seed.json")
    [[ -f "$OUT/$2-s$seed.json" ]] && b+=("$OUT/$2-s$seed.json")
  done
  [[ ${#a[@]} -gt 1 && ${#b[@]} -gt 1 ]] || return 0
  jq -n -r --arg a "$1" --arg b "$2" --slurpfile A <(cat "${a[@]}") --slurpfile B <(cat "${b[@]}") '
    def fixed(d): (pow(10; d)) as $p | (. * $p | round) as $r | ($r | fabs) as $u
      | "\(if $r < 0 then "-" else "" end)\($u / $p | floor).\(($u % $p) + $p | tostring | .[1:])";
    def stats: [.[] | .finalTestAccuracy] as $x | ($x | length) as $n | ($x | add / $n) as $m
      | {m: $m, v: ((([$x[] | (. - $m) * (. - $m)] | add) / ($n - 1)) / $n)};
    ($A | stats) as $p | ($B | stats) as $q | ($p.m - $q.m) as $d | (($p.v + $q.v) | sqrt) as $se
    | "\($a) - \($b): \($d | fixed(2)) points, standard error \($se | fixed(2)) (\($d / $se | fixed(1)) s.e.)"'
}

[[ -n "${TABLE_ONLY:-}" ]] || run_all
table
difference tflite native
difference tflite-head native-head
