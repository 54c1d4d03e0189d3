# Sourced by the Fashion-MNIST studies (finetune-study.sh, search-study.sh, tflite-gap-study.sh): the inputs they
# share. Needs IDX (the IDX files of the dataset-fashion-mnist package), PROTO (../shared/bench/fashion-mnist-protocol),
# DATA (where the Arrow files go) and TT (the tinytrain command, an array); a script that sets only ROOT (the
# repository) gets SHARED, PROTO and IDX from TINYTRAIN_SHARED and FASHION_MNIST_DIR or their defaults.
SHARED="${SHARED:-${TINYTRAIN_SHARED:-$ROOT/../shared}}"
PROTO="${PROTO:-$SHARED/bench/fashion-mnist-protocol}"
IDX="${IDX:-${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}}"

# Exits with a message when the dataset or the protocol folder is missing; creates DATA.
fashion_mnist_inputs() {
  [[ -f "$IDX/train-images-idx3-ubyte.gz" ]] || { echo "$IDX is absent: apt-get install -y dataset-fashion-mnist" >&2; exit 1; }
  [[ -d "$PROTO" ]] || { echo "$PROTO is absent (../shared)" >&2; exit 1; }
  mkdir -p "$DATA"
}

# Converts the training and test sets to DATA/train.arrow and DATA/test.arrow unless they are there.
fashion_mnist_arrow() {
  [[ -f "$DATA/train.arrow" ]] || "${TT[@]}" dataset idx-to-arrow --images "$IDX/train-images-idx3-ubyte.gz" \
      --labels "$IDX/train-labels-idx1-ubyte.gz" --out "$DATA/train.arrow"
  [[ -f "$DATA/test.arrow" ]] || "${TT[@]}" dataset idx-to-arrow --images "$IDX/t10k-images-idx3-ubyte.gz" \
      --labels "$IDX/t10k-labels-idx1-ubyte.gz" --out "$DATA/test.arrow"
}
