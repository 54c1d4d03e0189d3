package dev.tinytrain.search;

/**
 * What a scheme's compiled training step costs.
 *
 * @param sramTotalBytes SRAM total of the step (arena + trained parameters + master copies + stack)
 * @param flashBytes Flash of the step (frozen parameters, constants, code)
 * @param backwardMacs multiply-accumulates of the step beyond the forward pass (a proxy of the extra time)
 */
public record SchemeCost(long sramTotalBytes, long flashBytes, long backwardMacs) {
}
