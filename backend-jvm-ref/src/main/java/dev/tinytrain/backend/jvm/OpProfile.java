package dev.tinytrain.backend.jvm;

import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.ConvGradInput;
import dev.tinytrain.ir.ops.ConvGradWeightUpdate;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a program's time goes: a program compiled with a profile reads the running thread's CPU time
 * ({@link #now()}) around every kernel call and adds the difference to the call's slot (CPU time, not wall time:
 * on a shared machine the wall clock also counts other processes' turns). Each node is counted under a group of
 * similar kernels (the op kind, with convs split into first, 1x1, depthwise and other windows) so a benchmark can
 * print a breakdown. The clock reads cost time of their own, so an instrumented program is for finding hot spots,
 * not for timing.
 */
public final class OpProfile {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private String[] groups = new String[0];
    private long[] nanos = new long[0];
    private long[] macs = new long[0];

    /** Binds the profile to a schedule; returns the per-node array the generated program adds to. */
    long[] bind(List<Node> schedule) {
        if (nanos.length > 0) {
            throw new IllegalStateException("an OpProfile instruments one program; this one is bound already");
        }
        groups = schedule.stream().map(OpProfile::group).toArray(String[]::new);
        nanos = new long[groups.length];
        macs = schedule.stream().mapToLong(n -> n.op().macs(n.inputs(),
                n.outputs().stream().map(Value::type).toList())).toArray();
        return nanos;
    }

    /** The current thread's CPU time in nanoseconds (the clock the instrumented program reads). */
    public static long now() {
        return THREADS.getCurrentThreadCpuTime();
    }

    /** Clears the accumulated times (e.g. after warm-up). */
    public void reset() {
        Arrays.fill(nanos, 0L);
    }

    /** Accumulated nanoseconds by group, groups in order of first appearance in the schedule. */
    public Map<String, Long> nanosByGroup() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < groups.length; i++) {
            m.merge(groups[i], nanos[i], Long::sum);
        }
        return m;
    }

    /** Multiply-accumulates of one run by group (the ops' own count), groups as in {@link #nanosByGroup()}. */
    public Map<String, Long> macsByGroup() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < groups.length; i++) {
            m.merge(groups[i], macs[i], Long::sum);
        }
        return m;
    }

    /** The group a node's time is counted under. */
    static String group(Node n) {
        String kind = n.op().kind().irName();
        if (n.op() instanceof Conv2d c) {
            return kind + " " + convShape(c, n.inputs().get(0), n.inputs().get(1));
        }
        if (n.op() instanceof ConvGradInput c) {
            return kind + " " + convShape(c.conv(), null, n.inputs().get(1));
        }
        if (n.op() instanceof ConvGradWeightUpdate c) {
            return kind + " " + convShape(c.grad().conv(), null, n.inputs().get(2));
        }
        return kind;
    }

    private static String convShape(Conv2d c, Value x, Value w) {
        String window = Conv2d.kernelHeight(w) + "x" + Conv2d.kernelWidth(w);
        if (w.type().layout() == Layout.DEPTHWISE) {
            return "depthwise " + window;
        }
        if (x != null && x.type().shape().dim(3) < 8) {
            return "first " + window;
        }
        return window.equals("1x1") ? "1x1" : "dense " + window;
    }
}
