/**
 * The model zoo: the three architectures of the paper (MCUNet-5FPS, MobileNetV2-w0.35, ProxylessNAS-w0.3) with
 * synthetic, reproducible int8 weights, for trying the compiler without the pretrained model files. Graphs are
 * named {@code <model>-synthetic}.
 */
package dev.tinytrain.compiler.zoo;
