package dev.tinytrain.compiler.report;

import dev.tinytrain.compiler.MemoryReport;
import java.util.Locale;

/**
 * Renders a {@link MemoryReport} as text, JSON or SVG. The writers only format: every figure comes from the
 * report (or, for {@code steps}, {@code peakStep} and {@code arenaRoomBytes}, is derived from it). Callers write
 * the result to a file atomically (the CLI uses {@code AtomicFiles}).
 *
 * <h2>Text</h2>
 * The model, scheme and target; a status line ({@code FITS <target>} or {@code *** OVER BUDGET ...}, repeated at
 * the end when over); arena, LOAD, arena/LOAD and the backward phase's peak; SRAM total with its parts (arena, trainable weights, biases,
 * head, master copies, stack) and Flash total with its parts (frozen weights, frozen biases, constants, code),
 * each with its share and the target's budget; the tensor table (one row per arena buffer: buffer, kind, bytes,
 * first and last live step, offset, end, the other values sharing the buffer) with counts by kind; the parameter
 * table (name, placement {@code sram}/{@code split}/{@code flash}, SRAM and Flash bytes) with totals.
 *
 * <h2>JSON ({@code tinytrain-memory-report/1})</h2>
 * One object; sizes are bytes (integers), budgets are {@code null} on a target without one ({@code host}):
 * <ul>
 *   <li>{@code format}: {@code "tinytrain-memory-report/1"}</li>
 *   <li>{@code model}, {@code scheme}, {@code target}: names</li>
 *   <li>{@code fits}: SRAM and Flash both fit; {@code sramFits}, {@code flashFits}: each alone</li>
 *   <li>{@code arenaBytes}: the static arena holding every planned tensor</li>
 *   <li>{@code lowerBoundBytes}: LOAD, the largest sum of aligned sizes live at one schedule step</li>
 *   <li>{@code efficiency}: LOAD / arena (1.0 is optimal); {@code arenaToLowerBound}: arena / LOAD</li>
 *   <li>{@code strategy}: the placement strategy whose plan was kept</li>
 *   <li>{@code forwardPeakBytes}, {@code backwardPeakBytes}: the largest live sum up to the loss and after it
 *       (channel streaming lowers the backward's share of LOAD, row bands the forward's)</li>
 *   <li>{@code backwardStartStep}: the step that writes the loss, where the backward phase starts</li>
 *   <li>{@code steps}: schedule steps covered by the tensors ({@code 0 .. steps-1}; step 0 is before the first
 *       op); {@code peakStep}: the first step where the live bytes reach their maximum</li>
 *   <li>{@code arenaRoomBytes}: the largest arena the SRAM budget leaves room for with the other SRAM parts
 *       unchanged ({@code sramBudgetBytes - sramTotalBytes + arenaBytes}; negative when even an empty arena
 *       would not fit)</li>
 *   <li>{@code sramTotalBytes}, {@code sramBudgetBytes}, {@code sramParts}: {@code arena},
 *       {@code trainableWeights} (int8 weight channels that train), {@code biases} (trained int32 biases),
 *       {@code head} (float32 transfer head), {@code masterCopies} (float32 masters in {@code float_master}
 *       rounding), {@code stack}; they add up to {@code sramTotalBytes}</li>
 *   <li>{@code flashBytes}, {@code flashBudgetBytes}, {@code flashParts}: {@code frozenWeights},
 *       {@code frozenBiases}, {@code constants} (per-channel float32 scales, QAS divisors, band tables), {@code code} (the
 *       target's code estimate); they add up to {@code flashBytes}</li>
 *   <li>{@code tensors}: one object per arena buffer, in schedule order of definition: {@code buffer} (its name,
 *       the first value it holds), {@code values} (every value it holds; several when ops run in place),
 *       {@code kind} ({@code input}, {@code activation}, {@code mask}, {@code gradient}, {@code workspace},
 *       {@code band-lines} (a band region's line buffers), {@code stream-scratch} (a channel-streamed region's
 *       per-channel planes and vector), {@code output}), {@code bytes}, {@code firstStep}, {@code lastStep} (live
 *       steps, both inclusive),
 *       {@code offset} (arena offset)</li>
 *   <li>{@code bandRegions}: the frozen prefix run in row bands (empty when it runs on whole tensors): {@code node},
 *       {@code step}, {@code layers}, {@code bandRows}, {@code workspaceBytes} (all line buffers),
 *       {@code wholeBytes} (the intermediate tensors had they been whole), {@code kernelCalls},
 *       {@code shiftedBytes}, {@code recomputedMacs}, {@code lineBuffers} ({@code tensor}, {@code rows},
 *       {@code tensorRows}, {@code rowBytes}, {@code bytes}, {@code offset} in the workspace)</li>
 *   <li>{@code parameters}: one object per parameter: {@code name}, {@code placement} ({@code sram} trained,
 *       {@code split} trainable channels in SRAM and the rest in Flash, {@code flash} frozen), {@code sramBytes},
 *       {@code flashBytes}</li>
 * </ul>
 *
 * <h2>SVG</h2>
 * The arena over time, see {@link ArenaSvg}: one {@code <rect class="tensor">} per buffer (x = live steps, y =
 * offset, colour = kind) with a {@code <title>} tooltip, the arena and LOAD lines, the live bytes per step, a
 * legend and the memory summary.
 */
public final class ReportWriters {
    /** The JSON format name, the value of its {@code format} field. */
    public static final String JSON_FORMAT = JsonReport.FORMAT;

    /** An output format. */
    public enum Format {
        /** Aligned plain text. */
        TEXT,
        /** JSON, {@value ReportWriters#JSON_FORMAT}. */
        JSON,
        /** SVG image of the arena over time. */
        SVG;

        /** Parses {@code text}, {@code json} or {@code svg} (any case). */
        public static Format parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown report format '" + s + "' (known: text, json, svg)", e);
            }
        }
    }

    private ReportWriters() {
    }

    /** The report in {@code format}. */
    public static String render(MemoryReport report, Format format) {
        return switch (format) {
            case TEXT -> text(report);
            case JSON -> json(report);
            case SVG -> svg(report);
        };
    }

    /** The report as aligned text. */
    public static String text(MemoryReport report) {
        return TextReport.render(report);
    }

    /** The one status line of the text report: {@code status: FITS <target>} or {@code status: *** OVER BUDGET}. */
    public static String status(MemoryReport report) {
        return TextReport.status(report);
    }

    /** The report as pretty-printed JSON ending in a newline. */
    public static String json(MemoryReport report) {
        return JsonReport.render(report);
    }

    /** The arena over time as a standalone SVG document. */
    public static String svg(MemoryReport report) {
        return ArenaSvg.render(report);
    }
}
