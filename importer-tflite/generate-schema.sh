#!/bin/sh
# Regenerates src/main/java/dev/tinytrain/tflite/schema/ (committed) from TensorFlow Lite's schema.fbs.
# Needs Debian's flatbuffers-compiler 2.0.8, the version of the flatbuffers-java runtime in pom.xml (the generated
# classes call Constants.FLATBUFFERS_2_0_8() and fail to compile against another runtime).
# Two edits to the schema, neither changing the binary format: the Java package, and flatc 2.0.8 does not parse
# the (deprecated) attribute on an enum value or a union member (REDUCE_WINDOW, ReduceWindowOptions), so it is
# dropped there.
# Usage: importer-tflite/generate-schema.sh [path/to/schema.fbs]   (default: ../shared/tflite/schema.fbs)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
schema=${1:-$here/../../shared/tflite/schema.fbs}
flatc --version | grep -qx 'flatc version 2.0.8' || { echo "need flatc 2.0.8, have: $(flatc --version)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e 's/^namespace tflite;/namespace dev.tinytrain.tflite.schema;/' \
    -e 's/^\(  [A-Za-z_]* = [0-9]*\) (deprecated),/\1,/' \
    -e 's/^\(  [A-Za-z]*Options\) (deprecated),/\1,/' "$schema" > "$tmp/schema.fbs"
rm -rf "$here/src/main/java/dev/tinytrain/tflite/schema"
flatc --java -o "$here/src/main/java" "$tmp/schema.fbs"
