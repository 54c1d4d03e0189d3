package dev.tinytrain.backend.c;

import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.SgdUpdate;
import dev.tinytrain.planner.ArenaLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Emits a scheduled graph as a self-contained C99 folder ({@link CModel}): the runtime ({@code tt_kernels.h/.c},
 * Makefile, STM32F746 linker script, test harness), {@code tt_model.h/.c} (parameters in their C storage, constant
 * tables, one static arena of the planned size, the step functions: one kernel call per scheduled node, written by
 * {@link COpEmitters}), {@code tt_model.mk} (build defaults) and an example {@code main}.
 *
 * <p>Two kinds: a training step ({@link #training}: {@code tt_train_step}, {@code tt_infer}, trainable-state
 * accessors) and a forward graph ({@link #forward}: {@code tt_forward}, e.g. for the forward goldens). Either may
 * expose "taps": named values whose bytes the test harness reads from the arena after a run (with a layout that
 * keeps them, such as {@code ArenaLayout.sequential}).
 */
public final class CEmitter {

    /**
     * Where the emitted code comes from, stated in the header comment of the generated files.
     *
     * @param model model name
     * @param modelSha256 SHA-256 of the model (its weights file, or the forward graph's IR JSON)
     * @param scheme sparse-update scheme (or "forward")
     * @param rounding int8 update rounding mode(s)
     * @param seed stochastic-rounding seed
     * @param planner the memory planner's result, one line
     * @param target target name
     * @param stackBytes the stack the target reserves for the step (the Makefile's STACK_SIZE default)
     * @param version tinytrain version
     */
    public record Provenance(String model, String modelSha256, String scheme, String rounding, int seed,
                             String planner, String target, long stackBytes, String version) {

        /** Validates. */
        public Provenance {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(modelSha256, "modelSha256");
            Objects.requireNonNull(scheme, "scheme");
            Objects.requireNonNull(rounding, "rounding");
            Objects.requireNonNull(planner, "planner");
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(version, "version");
            if (stackBytes <= 0) {
                throw new IllegalArgumentException("stack must be positive");
            }
        }

        List<String> lines() {
            return List.of("model:      " + model, "model sha256: " + modelSha256, "scheme:     " + scheme,
                    "rounding:   " + rounding + ", seed " + Integer.toUnsignedString(seed),
                    "planner:    " + planner, "target:     " + target + " (stack " + stackBytes + " B)",
                    "tinytrain:  " + version);
        }
    }

    /** tinytrain's version, stated in the generated files. */
    public static final String VERSION = "0.1.0-SNAPSHOT";

    private CEmitter() {
    }

    /**
     * Emits a training step.
     *
     * @param step the training graph (its nodes may be a superset of {@code schedule}'s)
     * @param schedule the nodes in execution order (e.g. the compiled, reordered step)
     * @param layout arena offsets of every value the schedule touches
     * @param seed initial stochastic-rounding seed ({@code tt_seed()})
     * @param taps named values exposed through {@code tt_tap_*} (empty for a production build)
     */
    public static CModel training(TrainingGraph step, List<Node> schedule, ArenaLayout layout, int seed,
                                  Map<String, Value> taps, Provenance provenance) {
        return new Writer(step.graph(), step, schedule, layout, seed, taps, provenance).render();
    }

    /** Emits a forward graph: {@code tt_forward(input)} runs the schedule; results are read through taps. */
    public static CModel forward(Graph g, List<Node> schedule, ArenaLayout layout, Map<String, Value> taps,
                                 Provenance provenance) {
        return new Writer(g, null, schedule, layout, 0, taps, provenance).render();
    }

    // ============================================================================================== the writer

    private static final class Writer implements CEmitContext {
        private final Graph g;
        private final TrainingGraph step;
        private final List<Node> schedule;
        private final ArenaLayout layout;
        private final int seed;
        private final Map<String, Value> taps;
        private final Provenance provenance;
        private final CParameters params;
        private final StringBuilder constants = new StringBuilder();
        private final Map<String, String> constantNames = new HashMap<>();
        private StringBuilder body;
        /** The values the function being written reads ({@link Graph#valuesRead}) and the taps. */
        private java.util.Set<Value> read;
        private final Map<String, List<String>> profiledOps = new LinkedHashMap<>();

        Writer(Graph g, TrainingGraph step, List<Node> schedule, ArenaLayout layout, int seed, Map<String, Value> taps,
               Provenance provenance) {
            this.g = g;
            this.step = step;
            this.schedule = List.copyOf(schedule);
            this.layout = layout;
            this.seed = seed;
            this.taps = new LinkedHashMap<>(taps);
            this.provenance = provenance;
            this.params = new CParameters(g, schedule);
            // an int8 image, or the float32 input of an imported model that starts with QUANTIZE (raw bytes either way)
            if (g.inputs().isEmpty() || g.inputs().get(0).type().dtype() != DType.INT8
                    && g.inputs().get(0).type().dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException("graph " + g.name() + " needs an int8 image (or a float32 input)"
                        + " as its first input");
            }
            if (step == null && g.inputs().size() != 1) {
                throw new IllegalArgumentException("a forward graph has one input; " + g.name() + " has "
                        + g.inputs().size());
            }
            for (Node n : schedule) {
                if (COpEmitters.forKind(n.op().kind()).isEmpty()) {
                    throw new IllegalArgumentException("op '" + n.name() + "': the C backend has no emitter for "
                            + n.op().kind().irName());
                }
                for (Value v : n.outputs()) {
                    layout.offsetOf(v); // every result needs a place
                }
            }
            this.taps.values().forEach(layout::offsetOf);
        }

        // ----------------------------------------------------------------------------------- CEmitContext

        @Override
        public Graph graph() {
            return g;
        }

        @Override
        public String arena() {
            return "a";
        }

        @Override
        public String off(Value v) {
            return Integer.toString(layout.offsetOf(v));
        }

        @Override
        public boolean inArena(Value v) {
            return layout.contains(v);
        }

        @Override
        public boolean read(Value v) {
            return read.contains(v);
        }

        @Override
        public String weight(Value param) {
            CParameters.Storage s = params.of(param);
            if (s.dtype() != DType.INT8) {
                throw new IllegalArgumentException("%" + param.name() + " is not an int8 weight");
            }
            return "&" + s.weightStruct();
        }

        @Override
        public java.util.Optional<byte[]> constantWeight(Value param) {
            CParameters.Storage s = params.of(param);
            if (s.dtype() != DType.INT8) {
                throw new IllegalArgumentException("%" + param.name() + " is not an int8 weight");
            }
            return s.trained ? java.util.Optional.empty() : java.util.Optional.of(s.param.data().toInt8());
        }

        @Override
        public boolean splitWeight(Value param) {
            return params.of(param).split();
        }

        @Override
        public List<String> biasArgs(Value param) {
            CParameters.Storage s = params.of(param);
            if (s.dtype() != DType.INT32) {
                throw new IllegalArgumentException("%" + param.name() + " is not an int32 bias");
            }
            return s.master ? List.of("0", s.masterArray()) : List.of(s.name, "0");
        }

        @Override
        public String int32Param(Value param) {
            CParameters.Storage s = params.of(param);
            if (s.dtype() != DType.INT32 || !s.trained) {
                throw new IllegalArgumentException("%" + param.name() + " is not a trained int32 parameter");
            }
            return s.name;
        }

        @Override
        public String int32Array(Value param) {
            CParameters.Storage s = params.of(param);
            if (s.dtype() != DType.INT32) {
                throw new IllegalArgumentException("%" + param.name() + " is not an int32 parameter");
            }
            return s.name;
        }

        @Override
        public String master(Value param, SgdUpdate update) {
            return update.rounding().equals("float_master") ? masterArray(param) : "0";
        }

        @Override
        public String masterArray(Value param) {
            CParameters.Storage s = params.of(param);
            if (!s.master) {
                throw new IllegalStateException("no master copy of " + param.name());
            }
            return s.masterArray();
        }

        @Override
        public String floatParam(Value param) {
            CParameters.Storage s = params.of(param);
            if (s.dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException("%" + param.name() + " is not a float32 parameter");
            }
            return s.name;
        }

        @Override
        public String floats(float[] values) {
            if (values == null) {
                return "0";
            }
            StringBuilder key = new StringBuilder("f");
            for (float v : values) {
                key.append(',').append(Float.floatToRawIntBits(v));
            }
            return constantNames.computeIfAbsent(key.toString(), k -> {
                String name = "tt_k" + constantNames.size();
                CParameters.array(constants, "static const float " + name, values.length,
                        j -> CLiterals.f32(values[j]), 6);
                return name;
            });
        }

        @Override
        public String int8s(byte[] values) {
            if (values == null || values.length == 0) {
                return "0";
            }
            return constantNames.computeIfAbsent("b" + java.util.Arrays.toString(values), k -> {
                String name = "tt_k" + constantNames.size();
                CParameters.array(constants, "static const int8_t " + name, values.length,
                        j -> Integer.toString(values[j]), 24);
                return name;
            });
        }

        @Override
        public String ints(List<Integer> values) {
            if (values == null || values.isEmpty()) {
                return "0";
            }
            return constantNames.computeIfAbsent("i" + values, k -> {
                String name = "tt_k" + constantNames.size();
                CParameters.array(constants, "static const int32_t " + name, values.size(),
                        j -> CLiterals.i32(values.get(j)), 16);
                return name;
            });
        }

        @Override
        public String int64s(long[] values) {
            return constantNames.computeIfAbsent("l" + java.util.Arrays.toString(values), k -> {
                String name = "tt_k" + constantNames.size();
                CParameters.array(constants, "static const int64_t " + name, values.length,
                        j -> "INT64_C(" + values[j] + ")", 4);
                return name;
            });
        }

        @Override
        public String geom(CGeom geom) {
            return "&" + constantNames.computeIfAbsent("g" + geom, k -> {
                String name = "tt_k" + constantNames.size();
                constants.append("static const tt_conv_geom ").append(name).append(" = ").append(geom.initializer())
                        .append(";\n");
                return name;
            });
        }

        @Override
        public String f(float v) {
            return CLiterals.f32(v);
        }

        @Override
        public String mode(SgdUpdate update) {
            return "TT_ROUND_" + update.rounding().toUpperCase(Locale.ROOT);
        }

        @Override
        public String lr(float lr) {
            return "tt__lr(" + f(lr) + ")";
        }

        @Override
        public String rngKey(int paramId) {
            return "tt_step_rng_key(tt_state, " + paramId + "u)";
        }

        @Override
        public void call(String function, String... args) {
            body.append("    ").append(function).append('(').append(String.join(", ", args)).append(");\n");
        }

        @Override
        public void statement(String line) {
            body.append("    ").append(line).append('\n');
        }

        // ----------------------------------------------------------------------------------- rendering

        /**
         * The calls of {@code nodes}, each between {@code TT_OP_BEGIN()} and {@code TT_OP_END()} (no code unless the
         * folder is built with {@code TT_PROFILE_OPS}, which makes them the benchmark markers: one counted region
         * per node, in {@code nodes} order).
         */
        private String emitNodes(String function, List<Node> nodes) {
            body = new StringBuilder();
            read = new java.util.HashSet<>(g.valuesRead(nodes));
            read.addAll(taps.values()); // the harness reads a tap after the run
            int k = 0;
            for (Node n : nodes) {
                body.append("    /* ").append(k++).append(": ").append(n.op().kind().irName()).append(' ')
                        .append(CLiterals.comment(n.name())).append(" */\n");
                body.append("    TT_OP_BEGIN();\n");
                COpEmitters.forKind(n.op().kind()).orElseThrow().emit(this, n);
                body.append("    TT_OP_END();\n");
            }
            profiledOps.put(function, nodes.stream().map(Node::name).toList());
            return body.toString();
        }

        private String provenanceComment(String file, String what) {
            StringBuilder sb = new StringBuilder("/*\n * ").append(file).append(": ").append(what)
                    .append("\n * Generated by tinytrain; do not edit (regenerate instead).\n *\n");
            for (String l : provenance.lines()) {
                sb.append(" * ").append(CLiterals.comment(l)).append('\n');
            }
            return sb.append(" */\n").toString();
        }

        CModel render() {
            boolean training = step != null;
            Value input = g.inputs().get(0);
            Shape is = input.type().shape();
            int inputBytes = Math.toIntExact(input.type().byteSize());
            long arenaBytes = Math.max(1, layout.arenaBytes());
            String trainBody = training ? emitNodes("tt_train_step", schedule) : null;
            Value logits = training ? step.logitsValue() : null;
            String inferBody = training ? emitNodes("tt_infer", g.sliceFor(schedule, logits)) : null;
            String forwardBody = training ? null : emitNodes("tt_forward", schedule);
            int classes = training ? Math.toIntExact(logits.type().elementCount()) : 0;
            CStateLayout state = params.state();
            long maxParamBytes = 4;
            for (CParameters.Storage s : params.all()) {
                maxParamBytes = Math.max(maxParamBytes, s.param.value().type().byteSize());
            }

            // ------------------------------------------------------------------------------ tt_model.h
            StringBuilder h = new StringBuilder(provenanceComment("tt_model.h", "the model's C interface"));
            h.append("""
                    #ifndef TT_MODEL_H
                    #define TT_MODEL_H

                    #include <stdint.h>

                    #ifdef __cplusplus
                    extern "C" {
                    #endif

                    """);
            h.append("#define TT_MODEL_NAME ").append(CLiterals.string(g.name())).append('\n');
            h.append("#define TT_MODEL_TRAINING ").append(training ? 1 : 0).append('\n');
            h.append("/** The int8 NHWC input image. */\n");
            h.append("#define TT_INPUT_HEIGHT ").append(is.rank() == 4 ? is.dim(1) : 1).append('\n');
            h.append("#define TT_INPUT_WIDTH ").append(is.rank() == 4 ? is.dim(2) : 1).append('\n');
            h.append("#define TT_INPUT_CHANNELS ").append(is.rank() == 4 ? is.dim(3) : inputBytes).append('\n');
            h.append("#define TT_INPUT_BYTES ").append(inputBytes).append('\n');
            if (training) {
                h.append("/** Classes of the transfer head (labels 0 .. TT_NUM_CLASSES-1, float32 logits). */\n");
                h.append("#define TT_NUM_CLASSES ").append(classes).append('\n');
            }
            h.append("/** The one static arena (bytes), as planned. */\n");
            h.append("#define TT_ARENA_BYTES ").append(arenaBytes).append('\n');
            h.append("/** Bytes of the trainable state (tt_state_save / tt_state_load). */\n");
            h.append("#define TT_STATE_BYTES ").append(state.bytes()).append('\n');
            h.append("#define TT_PARAM_COUNT ").append(params.all().size()).append('\n');
            h.append("/** The largest parameter in bytes (buffer size for tt_param_read). */\n");
            h.append("#define TT_MAX_PARAM_BYTES ").append(maxParamBytes).append('\n');
            h.append("#define TT_TAP_COUNT ").append(taps.size()).append("\n\n");
            if (training) {
                h.append("""
                        /**
                         * One training step on one int8 NHWC image (TT_INPUT_BYTES bytes) and its label: forward, loss,
                         * backward and the in-place sparse update of the trainable parameters, as compiled. Returns the loss
                         * (float32) computed before the update, or NaN without changing anything when the label is not in
                         * [0, TT_NUM_CLASSES). `input` may be tt_input_buffer() (no copy).
                         */
                        float tt_train_step(const int8_t *input, int32_t label);

                        /**
                         * The factor the following tt_train_step calls multiply every update's learning rate by: each update
                         * uses lr * scale, one float32 multiply (the JVM's TrainingSession.trainStep(input, label, scale)
                         * gives the same bits). 1 until set, which leaves the compiled rates unchanged; a learning-rate
                         * schedule sets its factor before each step. Must be finite and >= 0; not part of the saved state.
                         */
                        void tt_set_lr_scale(float scale);
                        /** The current learning-rate scale (tt_set_lr_scale). */
                        float tt_lr_scale(void);

                        /** Inference with the current parameters: the forward part of the step; writes TT_NUM_CLASSES float32 logits. */
                        void tt_infer(const int8_t *input, float *logits);

                        """);
            } else {
                h.append("""
                        /** Runs the forward graph on one int8 NHWC image (TT_INPUT_BYTES bytes); read results with tt_tap_data. */
                        void tt_forward(const int8_t *input);

                        """);
            }
            h.append("""
                    /**
                     * The input image's slot in the arena: write the image here and pass this pointer to skip the copy. Its
                     * contents are overwritten during a step (the slot is reused once the first layer has read it).
                     */
                    int8_t *tt_input_buffer(void);

                    /** Bytes of the trainable state: header {magic, layout tag, step, seed} then every trained array. */
                    uint32_t tt_state_bytes(void);
                    /** Writes the trainable state (TT_STATE_BYTES bytes, little-endian) so a device can persist it. */
                    void tt_state_save(uint8_t *out);
                    /** Restores a state written by tt_state_save of this model and scheme; -1 (nothing changed) otherwise. */
                    int tt_state_load(const uint8_t *in);
                    /** Completed training steps (keys stochastic rounding with the seed). */
                    uint32_t tt_step_count(void);
                    void tt_set_step_count(uint32_t step);
                    /** The stochastic-rounding seed. */
                    uint32_t tt_seed(void);
                    void tt_set_seed(uint32_t seed);

                    /** Parameters (all of them, frozen and trained), by index 0 .. TT_PARAM_COUNT-1. */
                    const char *tt_param_name(int32_t i);
                    /** Bytes of parameter i in the IR layout (int8 OHWI / depthwise, int32, float32), or -1. */
                    int32_t tt_param_bytes(int32_t i);
                    /** Copies parameter i, whole (split weights reassembled), into out; returns its bytes or -1. */
                    int32_t tt_param_read(int32_t i, void *out);

                    /** Tensors exposed for tests (TT_TAP_COUNT of them): name, and arena bytes after a run. */
                    const char *tt_tap_name(int32_t i);
                    const int8_t *tt_tap_data(int32_t i, int32_t *bytes);

                    #ifdef __cplusplus
                    }
                    #endif

                    #endif /* TT_MODEL_H */
                    """);

            // ------------------------------------------------------------------------------ tt_model.c
            StringBuilder c = new StringBuilder(provenanceComment("tt_model.c",
                    training ? "the compiled training step" : "the compiled forward graph"));
            c.append("""
                    #include "tt_model.h"

                    #include <math.h>
                    #include <stddef.h>
                    #include <string.h>

                    #include "tt_kernels.h"
                    #include "tt_tflite.h"

                    #if defined(__GNUC__)
                    #define TT_ALIGN8 __attribute__((aligned(8)))
                    #else
                    #define TT_ALIGN8
                    #endif

                    /* Per-op instruction counts (tinytrain bench insns): every op between the benchmark markers. */
                    #ifdef TT_PROFILE_OPS
                    void tt_bench_start(void);
                    void tt_bench_stop(void);
                    #define TT_OP_BEGIN() tt_bench_start()
                    #define TT_OP_END() tt_bench_stop()
                    #else
                    #define TT_OP_BEGIN() ((void)0)
                    #define TT_OP_END() ((void)0)
                    #endif

                    """);
            c.append("/* The one static arena: every planned tensor at its planned offset. */\n");
            c.append("static int8_t tt_arena[TT_ARENA_BYTES] TT_ALIGN8;\n");
            c.append("/* {completed steps, seed}: the stochastic-rounding key of every update (tt_step_rng_key). */\n");
            c.append("static uint32_t tt_state[2] = {0u, ").append(CLiterals.u32(seed)).append("};\n\n");
            c.append("#define TT_INPUT_OFF ").append(layout.offsetOf(input)).append('\n');
            if (training) {
                c.append("#define TT_LABEL_OFF ").append(layout.offsetOf(step.labelValue())).append('\n');
                c.append("#define TT_LOSS_OFF ").append(layout.offsetOf(step.lossValue())).append('\n');
                c.append("#define TT_LOGITS_OFF ").append(layout.offsetOf(logits)).append('\n');
            }
            c.append("\n/* ---------------------------------------------------------------- parameters */\n");
            params.declare(c);
            c.append("\n/* ---------------------------------------------------------------- constants */\n");
            c.append(constants);
            c.append("\n/* ---------------------------------------------------------------- steps */\n");
            c.append("""

                    int8_t *tt_input_buffer(void)
                    {
                        return tt_arena + TT_INPUT_OFF;
                    }

                    static void tt__put_input(const int8_t *input)
                    {
                        if (input != tt_arena + TT_INPUT_OFF) {
                            memcpy(tt_arena + TT_INPUT_OFF, input, TT_INPUT_BYTES);
                        }
                    }

                    """);
            if (training) {
                c.append("""
                        /* The runtime learning-rate scale (tt_set_lr_scale). */
                        static float tt_lr_scale_value = 1.0f;

                        void tt_set_lr_scale(float scale)
                        {
                            tt_lr_scale_value = scale;
                        }

                        float tt_lr_scale(void)
                        {
                            return tt_lr_scale_value;
                        }

                        /* An update's learning rate at this step: one float32 multiply (StepKernels.scaledLr on the JVM). */
                        static inline float tt__lr(float lr)
                        {
                            return lr * tt_lr_scale_value;
                        }

                        """);
                c.append("float tt_train_step(const int8_t *input, int32_t label)\n{\n");
                c.append("    int8_t *const a = tt_arena;\n");
                c.append("    if (label < 0 || label >= TT_NUM_CLASSES) {\n        return NAN;\n    }\n");
                c.append("    tt__put_input(input);\n    tt_put_i32(a, TT_LABEL_OFF, label);\n");
                c.append(trainBody);
                c.append("    tt_state[0]++;\n    return tt_get_f32(a, TT_LOSS_OFF);\n}\n\n");
                c.append("void tt_infer(const int8_t *input, float *logits)\n{\n");
                c.append("    int8_t *const a = tt_arena;\n    tt__put_input(input);\n");
                c.append(inferBody);
                c.append("    memcpy(logits, a + TT_LOGITS_OFF, 4u * TT_NUM_CLASSES);\n}\n\n");
            } else {
                c.append("void tt_forward(const int8_t *input)\n{\n");
                c.append("    int8_t *const a = tt_arena;\n    tt__put_input(input);\n");
                c.append(forwardBody);
                c.append("}\n\n");
            }
            renderState(c, state);
            renderParameterAccess(c);
            renderTaps(c);

            // ------------------------------------------------------------------------------ tt_model.mk
            String prog = "tt_" + g.name().replaceAll("[^A-Za-z0-9_]", "_");
            String mk = "# Generated by tinytrain: build defaults of this model folder (read by the Makefile).\n"
                    + "MODEL_SRCS := $(RUNTIME_DIR)/tt_model.c\n"
                    + "PROG ?= " + prog + "\n"
                    + "# the stack the planner reserved (" + provenance.target() + "); the link fails when SRAM does"
                    + " not fit\n"
                    + "STACK_SIZE ?= " + provenance.stackBytes() + "\n"
                    + "APP_SRCS ?= $(RUNTIME_DIR)/tt_example_main.c\n";

            Map<String, String> files = new LinkedHashMap<>();
            files.put("tt_model.h", h.toString());
            files.put("tt_model.c", c.toString());
            files.put("tt_model.mk", mk);
            files.put("tt_example_main.c", exampleMain(training));
            files.put("README.md", readme(training));
            return new CModel(g.name(), training, files, state, layout.arenaBytes(), params.sramBytes(), profiledOps);
        }

        private void renderState(StringBuilder c, CStateLayout state) {
            c.append("#define TT_STATE_MAGIC ").append(CLiterals.u32(CStateLayout.MAGIC)).append('\n');
            c.append("#define TT_STATE_TAG ").append(CLiterals.u32(state.tag())).append("\n\n");
            c.append("uint32_t tt_state_bytes(void)\n{\n    return TT_STATE_BYTES;\n}\n\n");
            c.append("void tt_state_save(uint8_t *out)\n{\n");
            c.append("    const uint32_t header[4] = {TT_STATE_MAGIC, TT_STATE_TAG, 0u, 0u};\n");
            c.append("    memset(out, 0, TT_STATE_BYTES);\n    memcpy(out, header, 8);\n");
            c.append("    memcpy(out + 8, tt_state, 8);\n");
            for (CStateLayout.Entry e : state.entries()) {
                c.append("    memcpy(out + ").append(e.offset()).append(", ").append(stateArray(e)).append(", ")
                        .append(e.bytes()).append("u);\n");
            }
            c.append("}\n\n");
            c.append("int tt_state_load(const uint8_t *in)\n{\n    uint32_t header[4];\n");
            c.append("    memcpy(header, in, 16);\n");
            c.append("    if (header[0] != TT_STATE_MAGIC || header[1] != TT_STATE_TAG) {\n        return -1;\n    }\n");
            c.append("    tt_state[0] = header[2];\n    tt_state[1] = header[3];\n");
            for (CStateLayout.Entry e : state.entries()) {
                c.append("    memcpy(").append(stateArray(e)).append(", in + ").append(e.offset()).append(", ")
                        .append(e.bytes()).append("u);\n");
            }
            c.append("    return 0;\n}\n\n");
            c.append("""
                    uint32_t tt_step_count(void)
                    {
                        return tt_state[0];
                    }

                    void tt_set_step_count(uint32_t step)
                    {
                        tt_state[0] = step;
                    }

                    uint32_t tt_seed(void)
                    {
                        return tt_state[1];
                    }

                    void tt_set_seed(uint32_t seed)
                    {
                        tt_state[1] = seed;
                    }

                    """);
        }

        private String stateArray(CStateLayout.Entry e) {
            CParameters.Storage s = params.of(g.parameter(e.parameter()).orElseThrow().value());
            return e.kind() == CStateLayout.Kind.MASTER ? s.masterArray() : s.sramArray();
        }

        private void renderParameterAccess(StringBuilder c) {
            List<CParameters.Storage> all = params.all();
            if (all.isEmpty()) {
                c.append("""
                        const char *tt_param_name(int32_t i)
                        {
                            (void)i;
                            return 0;
                        }

                        int32_t tt_param_bytes(int32_t i)
                        {
                            (void)i;
                            return -1;
                        }

                        int32_t tt_param_read(int32_t i, void *out)
                        {
                            (void)i;
                            (void)out;
                            return -1;
                        }

                        """);
                return;
            }
            CParameters.array(c, "static const char *const tt_param_names", all.size(),
                    k -> CLiterals.string(all.get(k).param.name()), 1);
            CParameters.array(c, "static const int32_t tt_param_sizes", all.size(),
                    k -> Long.toString(all.get(k).param.value().type().byteSize()), 8);
            c.append("""

                    /* A weight, whole: the parts of a split weight put back in their channels. */
                    static void tt__read_weight(const tt_weight *w, int32_t rows, int32_t width, int8_t *out)
                    {
                        int32_t r, ch;
                        if (w->slot == 0) {
                            memcpy(out, w->trained != 0 ? (const int8_t *)w->trained : w->frozen, (size_t)(rows * width));
                            return;
                        }
                        for (r = 0; r < rows; r++) {
                            for (ch = 0; ch < width; ch++) {
                                const int32_t s = w->slot[ch];
                                out[r * width + ch] = s >= 0 ? w->trained[r * w->n_trained + s]
                                                             : w->frozen[r * w->n_frozen + (-1 - s)];
                            }
                        }
                    }

                    const char *tt_param_name(int32_t i)
                    {
                        return i >= 0 && i < TT_PARAM_COUNT ? tt_param_names[i] : 0;
                    }

                    int32_t tt_param_bytes(int32_t i)
                    {
                        return i >= 0 && i < TT_PARAM_COUNT ? tt_param_sizes[i] : -1;
                    }

                    int32_t tt_param_read(int32_t i, void *out)
                    {
                        switch (i) {
                    """);
            for (CParameters.Storage s : all) {
                c.append("    case ").append(s.index).append(":\n");
                if (s.dtype() == DType.INT8) {
                    c.append("        tt__read_weight(&").append(s.weightStruct()).append(", ").append(s.rows)
                            .append(", ").append(s.width).append(", (int8_t *)out);\n");
                } else {
                    c.append("        memcpy(out, ").append(s.name).append(", ")
                            .append(s.param.value().type().byteSize()).append("u);\n");
                }
                c.append("        return tt_param_sizes[i];\n");
            }
            c.append("    default:\n        return -1;\n    }\n}\n\n");
        }

        private void renderTaps(StringBuilder c) {
            if (taps.isEmpty()) {
                c.append("""
                        const char *tt_tap_name(int32_t i)
                        {
                            (void)i;
                            return 0;
                        }

                        const int8_t *tt_tap_data(int32_t i, int32_t *bytes)
                        {
                            (void)i;
                            *bytes = 0;
                            return 0;
                        }
                        """);
                return;
            }
            List<Map.Entry<String, Value>> list = new ArrayList<>(taps.entrySet());
            CParameters.array(c, "static const char *const tt_tap_names", list.size(),
                    k -> CLiterals.string(list.get(k).getKey()), 1);
            CParameters.array(c, "static const int32_t tt_tap_offsets", list.size(),
                    k -> Integer.toString(layout.offsetOf(list.get(k).getValue())), 8);
            CParameters.array(c, "static const int32_t tt_tap_sizes", list.size(),
                    k -> Long.toString(list.get(k).getValue().type().byteSize()), 8);
            c.append("""

                    const char *tt_tap_name(int32_t i)
                    {
                        return i >= 0 && i < TT_TAP_COUNT ? tt_tap_names[i] : 0;
                    }

                    const int8_t *tt_tap_data(int32_t i, int32_t *bytes)
                    {
                        if (i < 0 || i >= TT_TAP_COUNT) {
                            *bytes = 0;
                            return 0;
                        }
                        *bytes = tt_tap_sizes[i];
                        return tt_arena + tt_tap_offsets[i];
                    }
                    """);
        }

        private String exampleMain(boolean training) {
            String loop = training ? """
                            tt_example_sink = tt_train_step(tt_input_buffer(), tt_example_label);
                            tt_infer(tt_input_buffer(), logits);
                            tt_example_sink = logits[0];
                    """ : """
                            tt_forward(tt_input_buffer());
                    """;
            return "/*\n * tt_example_main.c: an example application (replace it with yours). It fills the arena's input\n"
                    + " * slot (a camera driver would), trains and infers forever, and so links everything a device needs:\n"
                    + " * `make m7` gives the model's real Flash and static SRAM. Generated by tinytrain.\n */\n"
                    + "#include \"tt_model.h\"\n\n"
                    + "int main(void);\n\n"
                    + "volatile int32_t tt_example_label;\nvolatile float tt_example_sink;\n\n"
                    + "int main(void)\n{\n"
                    + (training ? "    float logits[TT_NUM_CLASSES];\n" : "")
                    + "    for (;;) {\n"
                    + "        /* fill tt_input_buffer() with an int8 NHWC image, set the label */\n"
                    + loop
                    + "    }\n}\n";
        }

        private String readme(boolean training) {
            StringBuilder sb = new StringBuilder("# ").append(g.name()).append(": generated by tinytrain\n\n");
            for (String l : provenance.lines()) {
                sb.append("    ").append(l).append('\n');
            }
            sb.append(CModel.README);
            return sb.toString();
        }
    }
}
