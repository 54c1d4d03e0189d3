package dev.tinytrain.backend.jvm;

import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Value;
import dev.tinytrain.planner.ArenaLayout;
import java.util.List;

/**
 * A graph compiled for the JVM: a generated class that runs the graph's nodes in order on one {@code byte[]}
 * arena laid out by an {@link ArenaLayout}, with parameters in {@link ParameterArrays}.
 *
 * <p>Each node is lowered once, with its constants, into a kernel call (convs and their gradients into the
 * specialised kernels of {@code dev.tinytrain.backend.jvm.fast}, bit-identical to the reference kernels). Two
 * consequences: the weights of a conv that no node of the graph updates are read once, at compilation (write
 * such a parameter's array before compiling, not after), and a program holds scratch arrays, so it runs on one
 * thread at a time (programs of different sessions are independent).
 *
 * <pre>{@code
 * JvmProgram p = JvmProgram.compile(graph, ArenaLayout.sequential(graph, 16));
 * JvmRun run = p.newRun();
 * run.setInt8(graph.inputs().get(0), pixels);
 * run.run();
 * byte[] logits = run.int8(graph.outputs().get(0));
 * }</pre>
 */
public final class JvmProgram {
    private final Graph graph;
    private final ArenaLayout layout;
    private final ParameterArrays parameters;
    private final GeneratedProgram program;
    private final int[] state;

    private JvmProgram(Graph graph, ArenaLayout layout, ParameterArrays parameters, List<Node> schedule, int seed,
                       OpProfile profile) {
        this.graph = graph;
        this.layout = layout;
        this.parameters = parameters;
        for (Node n : schedule) {
            for (Value v : n.outputs()) {
                layout.offsetOf(v); // every result needs a place
            }
        }
        this.state = new int[] {0, seed, Float.floatToRawIntBits(1.0f)};
        this.program = ProgramGenerator.generate(graph, schedule, layout, parameters, state, profile);
    }

    /**
     * Compiles {@code graph}, running its nodes in graph order.
     *
     * @throws UnsupportedOpException naming the first node whose kind has no JVM kernel
     */
    public static JvmProgram compile(Graph graph, ArenaLayout layout) {
        return new JvmProgram(graph, layout, new ParameterArrays(graph), graph.nodes(), 0, null);
    }

    /**
     * Compiles a schedule of {@code graph} that shares parameter arrays with other programs (a training step
     * and the inference program of one session update and read the same weights).
     *
     * @param schedule the nodes to run, in order (a subset of the graph's, e.g. the forward part)
     * @param seed seed of the stochastic-rounding generator
     */
    public static JvmProgram compile(Graph graph, List<Node> schedule, ArenaLayout layout, ParameterArrays parameters,
                                     int seed) {
        return new JvmProgram(graph, layout, parameters, schedule, seed, null);
    }

    /**
     * As {@link #compile(Graph, List, ArenaLayout, ParameterArrays, int)}, with every kernel call timed into
     * {@code profile} (a fresh one: a profile instruments one program).
     */
    public static JvmProgram compileProfiled(Graph graph, List<Node> schedule, ArenaLayout layout,
                                             ParameterArrays parameters, int seed, OpProfile profile) {
        return new JvmProgram(graph, layout, parameters, schedule, seed, java.util.Objects.requireNonNull(profile));
    }

    /** The number of completed steps (keys the stochastic rounding); incremented by {@link #advanceStep()}. */
    public int step() {
        return state[0];
    }

    /**
     * Sets the factor every SGD update of the following runs multiplies its learning rate by (float32, one
     * multiply: {@code lr * scale}); 1 (the default) leaves the rates as compiled.
     *
     * @throws IllegalArgumentException if {@code scale} is negative, infinite or NaN
     */
    public void setLrScale(float scale) {
        if (!(scale >= 0.0f) || Float.isInfinite(scale)) {
            throw new IllegalArgumentException("learning-rate scale must be finite and non-negative, got " + scale);
        }
        state[2] = Float.floatToRawIntBits(scale);
    }

    /** The current learning-rate scale ({@link #setLrScale}). */
    public float lrScale() {
        return Float.intBitsToFloat(state[2]);
    }

    /** Marks one training step as done. */
    public void advanceStep() {
        state[0]++;
    }

    /** The graph. */
    public Graph graph() {
        return graph;
    }

    /** The arena layout. */
    public ArenaLayout layout() {
        return layout;
    }

    /** The parameter arrays the program reads (and, for training programs, updates). */
    public ParameterArrays parameters() {
        return parameters;
    }

    /** Runs the program once on {@code arena} (of at least {@code layout().arenaBytes()} bytes). */
    public void run(byte[] arena) {
        if (arena.length < layout.arenaBytes()) {
            throw new IllegalArgumentException("arena has " + arena.length + " bytes, the layout needs "
                    + layout.arenaBytes());
        }
        program.run(arena);
    }

    /** A fresh arena and accessors for one run. */
    public JvmRun newRun() {
        return new JvmRun(this);
    }
}
