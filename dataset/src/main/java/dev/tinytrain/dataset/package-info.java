/**
 * Datasets for tinytrain's on-device fine-tuning: IDX reading ({@link dev.tinytrain.dataset.IdxReader}),
 * IDX → Apache Arrow conversion and Arrow reading ({@link dev.tinytrain.dataset.ArrowDatasets}), the exact
 * preprocessing of the Fashion-MNIST transfer-learning protocol ({@link dev.tinytrain.dataset.Preprocessor},
 * {@link dev.tinytrain.dataset.PixelToInt8}), training orders ({@link dev.tinytrain.dataset.TrainingOrder})
 * and head initialisation ({@link dev.tinytrain.dataset.HeadInit}).
 *
 * <p>Malformed inputs raise {@link dev.tinytrain.dataset.DatasetFormatException} (or a subclass) whose message
 * names the file and the field at fault. Files are written through a temporary file in the target folder and
 * an atomic rename. Arrow needs {@code --add-opens=java.base/java.nio=ALL-UNNAMED} on Java 17+.
 */
package dev.tinytrain.dataset;
