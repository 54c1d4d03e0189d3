package dev.tinytrain.planner;

/** How a greedy placement picks among the free gaps left by buffers already placed. */
enum FitPolicy {
    /** The smallest gap that holds the buffer (lowest offset on ties). */
    BEST_FIT,
    /** The lowest gap that holds the buffer. */
    FIRST_FIT
}
