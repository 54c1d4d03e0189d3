/**
 * Fine-tuning on a real dataset with the compiled training step ({@code tinytrain finetune}): datasets
 * preprocessed once into int8 input tensors ({@link dev.tinytrain.cli.finetune.PreparedImages}), the batch-1 loop
 * ({@link dev.tinytrain.cli.finetune.Finetuner}), test accuracy with {@code predict} on several threads
 * ({@link dev.tinytrain.cli.finetune.Evaluator}), the transfer head ({@link dev.tinytrain.cli.finetune.Heads}),
 * progress on stderr ({@link dev.tinytrain.cli.finetune.ConsoleProgress}), the results JSON
 * ({@link dev.tinytrain.cli.finetune.ResultsJson}) and the SVG plot ({@link dev.tinytrain.cli.finetune.AccuracyPlot}).
 * Usage, every JSON field and the measured study: {@code bench/finetune.md}.
 */
package dev.tinytrain.cli.finetune;
