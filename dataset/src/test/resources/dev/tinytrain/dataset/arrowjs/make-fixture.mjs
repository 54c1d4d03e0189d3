// Writes a small Arrow IPC file (Feather v2) with arrow-js, an Arrow implementation independent of Arrow Java,
// in two record batches: image FixedSizeBinary(rows*cols), label Int32, schema metadata rows/cols/channels.
// Pixels: image i, pixel p = (i * 31 + p * 7) % 256; labels: (i * 3) % 10.
import { Schema, Field, FixedSizeBinary, Int32, makeData, RecordBatch, Struct, Table, tableToIPC } from 'apache-arrow';
import { writeFileSync } from 'node:fs';

const rows = 3, cols = 4, n = [3, 2];
const meta = new Map([['rows', String(rows)], ['cols', String(cols)], ['channels', '1'], ['writer', 'arrow-js']]);
const fields = [new Field('image', new FixedSizeBinary(rows * cols), false), new Field('label', new Int32(), false)];
const schema = new Schema(fields, meta);
let first = 0;
const batches = n.map((count) => {
  const px = new Uint8Array(count * rows * cols);
  const lab = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < rows * cols; p++) px[i * rows * cols + p] = ((first + i) * 31 + p * 7) % 256;
    lab[i] = ((first + i) * 3) % 10;
  }
  first += count;
  const image = makeData({ type: fields[0].type, length: count, data: px, nullCount: 0 });
  const label = makeData({ type: fields[1].type, length: count, data: lab, nullCount: 0 });
  const data = makeData({ type: new Struct(fields), length: count, children: [image, label], nullCount: 0 });
  return new RecordBatch(schema, data);
});
const table = new Table(schema, batches);
writeFileSync(process.argv[2], tableToIPC(table, 'file'));
