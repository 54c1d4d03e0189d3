#!/usr/bin/env bash
# PyTorch eager float32, one thread, on this machine: the reference of issue 11's JVM goals (bench/pytorch_baseline.py),
# printed in the columns of `./tinytrain bench jvm` so that both can run back to back on the same machine:
#
#   bench/pytorch-baseline.sh                      the three ~99 KB presets, 200 warm-up and 300 timed runs
#   SCHEMES="mcunet-99kb" WARMUP=100 RUNS=200 bench/pytorch-baseline.sh
#   TINYTRAIN="java -jar COPY.jar" ...            the tinytrain that writes the memory reports (default ./tinytrain)
#
# PyTorch comes from Debian (python3-torch, 1.13.1 on bookworm; installed with apt-get when missing, as root), run by
# Debian's /usr/bin/python3: the machine's registries do not include PyPI. Debian's build (oneDNN, generic BLAS) is
# not the tuned PyPI wheel, so this is PyTorch as a Debian machine has it; say so beside any comparison.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${TINYTRAIN_SHARED:-$ROOT/../shared}"
SCHEMES="${SCHEMES:-mcunet-99kb mbv2-99kb proxyless-98kb}"
read -r -a TT <<<"${TINYTRAIN:-$ROOT/tinytrain}"
PY=/usr/bin/python3
if ! "$PY" -c 'import torch' 2>/dev/null; then
  echo "pytorch-baseline: installing Debian's python3-torch" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >/dev/null
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$PY" -c 'import torch, platform; print("PyTorch %s eager float32, one thread, Python %s" % (torch.__version__, platform.python_version()))'
printf '%-15s %-16s %27s %9s %27s %9s\n' model scheme "train step ms (p10 med p90)" "cpu med" "inference ms (p10 med p90)" "cpu med"
for scheme in $SCHEMES; do
  case "$scheme" in
    mcunet-*) model=mcunet-5fps ;;
    mbv2-*) model=mbv2-w0.35 ;;
    proxyless-*) model=proxyless-w0.3 ;;
    *) echo "pytorch-baseline: no model for scheme $scheme" >&2; exit 2 ;;
  esac
  "${TT[@]}" report --model "$model" --scheme "$scheme" --format json >"$tmp/$scheme.json"
  "$PY" "$ROOT/bench/pytorch_baseline.py" --model-dir "$SHARED/models/$model" --report "$tmp/$scheme.json" \
      --warmup "${WARMUP:-200}" --runs "${RUNS:-300}"
done
