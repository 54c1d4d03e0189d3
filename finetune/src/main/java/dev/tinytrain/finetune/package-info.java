/**
 * Fine-tuning as a library, on the JVM with the compiled training step (the same plan the C backend emits):
 * {@link dev.tinytrain.finetune.Finetuner#run} takes a compiled model, the training and test images
 * ({@link dev.tinytrain.finetune.PreparedImages}, preprocessed once into int8 input tensors), a
 * {@link dev.tinytrain.finetune.Finetuner.Plan} and a {@link dev.tinytrain.finetune.ProgressListener}, and returns a
 * {@link dev.tinytrain.finetune.FinetuneResult}; test accuracy is measured with {@code predict} on several threads
 * ({@link dev.tinytrain.finetune.Evaluator}); {@link dev.tinytrain.finetune.ResultsJson} and
 * {@link dev.tinytrain.finetune.AccuracyPlot} write the results JSON and the SVG plot; a head initialisation file of
 * the accuracy protocol is read by {@link dev.tinytrain.finetune.HeadInitFile}. {@code ./tinytrain finetune} is a
 * thin layer over this package. Usage, every JSON field and the measured study: {@code bench/finetune.md}.
 */
package dev.tinytrain.finetune;
