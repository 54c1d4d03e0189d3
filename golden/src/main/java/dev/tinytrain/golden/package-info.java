/**
 * Golden checks as a library: a {@code tinytrain-golden/1} reference file ({@link dev.tinytrain.golden.GoldenFile})
 * run through tinytrain on a {@link dev.tinytrain.golden.GoldenBackend} (the JVM, the emitted C on the host, or on
 * the Cortex-M7 under QEMU) and compared tensor by tensor ({@link dev.tinytrain.golden.TensorComparison}).
 * {@link dev.tinytrain.golden.ForwardGoldenCheck} checks the int8 forward bit for bit;
 * {@link dev.tinytrain.golden.TrainGoldenCheck} checks the training step {@code Compiler.compile} produces (fused
 * updates, planned arena: the step a user flashes) against the authors' PyTorch step. Used by
 * {@code ./tinytrain verify-golden} and the {@code tests} module.
 */
package dev.tinytrain.golden;
