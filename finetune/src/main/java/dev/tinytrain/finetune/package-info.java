/**
 * Fine-tuning on a real dataset with the compiled training step ({@code tinytrain finetune}): datasets
 * preprocessed once into int8 input tensors ({@link dev.tinytrain.finetune.PreparedImages}), the batch-1 loop
 * ({@link dev.tinytrain.finetune.Finetuner}), test accuracy with {@code predict} on several threads
 * ({@link dev.tinytrain.finetune.Evaluator}), the transfer head ({@link dev.tinytrain.finetune.Heads}),
 * the progress listener ({@link dev.tinytrain.finetune.ProgressListener}), the results JSON
 * ({@link dev.tinytrain.finetune.ResultsJson}) and the SVG plot ({@link dev.tinytrain.finetune.AccuracyPlot}).
 * Usage, every JSON field and the measured study: {@code bench/finetune.md}.
 */
package dev.tinytrain.finetune;
