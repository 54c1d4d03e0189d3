package dev.tinytrain.backend.jvm;

import dev.tinytrain.backend.jvm.fast.Scratch;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Value;
import dev.tinytrain.planner.ArenaLayout;
import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Generates, with ASM, a hidden class implementing {@link GeneratedProgram} whose {@code run} makes one static
 * kernel call per node, in order, with every offset, shape and scale inlined as a constant and every constant
 * array held in a final field. Long schedules are split into several methods to stay under the JVM's method
 * size limit.
 */
final class ProgramGenerator {
    private static final String NAME = "dev/tinytrain/backend/jvm/GeneratedProgramImpl";
    private static final int NODES_PER_METHOD = 200;
    /** {@link GeneratedProgram#run}, which the generated class implements; its parts share the signature. */
    private static final java.lang.reflect.Method RUN = KernelMethods.of(GeneratedProgram.class, "run");
    private static final String RUN_DESCRIPTOR = Type.getMethodDescriptor(RUN);
    /** The local holding a profiled call's start time (after {@code this} and the arena). */
    private static final int CLOCK_LOCAL = 2;
    private static final java.lang.reflect.Method CLOCK = KernelMethods.of(OpProfile.class, "now");

    private ProgramGenerator() {
    }

    static GeneratedProgram generate(dev.tinytrain.ir.Graph graph, List<Node> nodes, ArenaLayout layout,
                                     ParameterArrays parameters, int[] state) {
        return generate(graph, nodes, layout, parameters, state, null);
    }

    /**
     * As above; with a non-null {@code profile}, every kernel call is bracketed by clock reads that add its time to
     * the profile (see {@link OpProfile}).
     */
    static GeneratedProgram generate(dev.tinytrain.ir.Graph graph, List<Node> nodes, ArenaLayout layout,
                                     ParameterArrays parameters, int[] state, OpProfile profile) {
        long[] nanos = profile == null ? null : profile.bind(nodes);
        Function<Value, Object> parameterArray = v -> parameters.get(v.name());
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS | ClassWriter.COMPUTE_FRAMES);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER, NAME, null,
                "java/lang/Object", new String[] {Type.getInternalName(GeneratedProgram.class)});
        Map<Object, Integer> constantIndex = new IdentityHashMap<>();
        Scratch scratch = new Scratch();
        java.util.Set<Value> read = graph.valuesRead(nodes);
        List<Object> constants = new ArrayList<>();
        int methods = (nodes.size() + NODES_PER_METHOD - 1) / NODES_PER_METHOD;
        for (int m = 0; m < methods; m++) {
            MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PRIVATE, "part" + m, RUN_DESCRIPTOR, null, null);
            mv.visitCode();
            Context ctx = new Context(mv, layout, parameterArray, constantIndex, constants, graph, parameters, state,
                    scratch, read);
            for (int i = m * NODES_PER_METHOD; i < Math.min(nodes.size(), (m + 1) * NODES_PER_METHOD); i++) {
                Node n = nodes.get(i);
                JvmOpEmitter e = JvmOpEmitters.forKind(n.op().kind()).orElseThrow(() -> new UnsupportedOpException(
                        "op '" + n.name() + "': the JVM backend has no kernel for " + n.op().kind().irName()));
                if (nanos != null) {
                    ctx.invoke(CLOCK);
                    mv.visitVarInsn(Opcodes.LSTORE, CLOCK_LOCAL);
                }
                e.emit(ctx, n);
                if (nanos != null) {
                    // nanos[i] += now() - start
                    ctx.constant(nanos);
                    pushInt(mv, i);
                    mv.visitInsn(Opcodes.DUP2);
                    mv.visitInsn(Opcodes.LALOAD);
                    ctx.invoke(CLOCK);
                    mv.visitVarInsn(Opcodes.LLOAD, CLOCK_LOCAL);
                    mv.visitInsn(Opcodes.LSUB);
                    mv.visitInsn(Opcodes.LADD);
                    mv.visitInsn(Opcodes.LASTORE);
                }
            }
            mv.visitInsn(Opcodes.RETURN);
            mv.visitMaxs(0, 0);
            mv.visitEnd();
        }
        MethodVisitor run = cw.visitMethod(Opcodes.ACC_PUBLIC, RUN.getName(), RUN_DESCRIPTOR, null, null);
        run.visitCode();
        for (int m = 0; m < methods; m++) {
            run.visitVarInsn(Opcodes.ALOAD, 0);
            run.visitVarInsn(Opcodes.ALOAD, 1);
            run.visitMethodInsn(Opcodes.INVOKEVIRTUAL, NAME, "part" + m, RUN_DESCRIPTOR, false);
        }
        run.visitInsn(Opcodes.RETURN);
        run.visitMaxs(0, 0);
        run.visitEnd();
        for (int i = 0; i < constants.size(); i++) {
            cw.visitField(Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL, "k" + i,
                    Type.getDescriptor(constants.get(i).getClass()), null, null).visitEnd();
        }
        MethodVisitor init = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "([Ljava/lang/Object;)V", null, null);
        init.visitCode();
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        for (int i = 0; i < constants.size(); i++) {
            String desc = Type.getDescriptor(constants.get(i).getClass());
            init.visitVarInsn(Opcodes.ALOAD, 0);
            init.visitVarInsn(Opcodes.ALOAD, 1);
            pushInt(init, i);
            init.visitInsn(Opcodes.AALOAD);
            init.visitTypeInsn(Opcodes.CHECKCAST, Type.getInternalName(constants.get(i).getClass()));
            init.visitFieldInsn(Opcodes.PUTFIELD, NAME, "k" + i, desc);
        }
        init.visitInsn(Opcodes.RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();
        cw.visitEnd();
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup().defineHiddenClass(cw.toByteArray(), true);
            return (GeneratedProgram) lookup.findConstructor(lookup.lookupClass(),
                    java.lang.invoke.MethodType.methodType(void.class, Object[].class))
                    .invoke((Object) constants.toArray());
        } catch (Throwable t) {
            throw new IllegalStateException("could not load the generated program", t);
        }
    }

    static void pushInt(MethodVisitor mv, int v) {
        if (v >= -1 && v <= 5) {
            mv.visitInsn(Opcodes.ICONST_0 + v);
        } else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
            mv.visitIntInsn(Opcodes.BIPUSH, v);
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            mv.visitIntInsn(Opcodes.SIPUSH, v);
        } else {
            mv.visitLdcInsn(v);
        }
    }

    private record Context(MethodVisitor mv, ArenaLayout layout, Function<Value, Object> parameterArray,
                           Map<Object, Integer> constantIndex, List<Object> constants,
                           dev.tinytrain.ir.Graph graph, ParameterArrays parameters, int[] state,
                           Scratch scratch, java.util.Set<Value> read)
            implements EmitContext {

        @Override
        public boolean read(Value v) {
            return read.contains(v);
        }

        @Override
        public void pushNull() {
            mv.visitInsn(Opcodes.ACONST_NULL);
        }

        @Override
        public void pushEnum(Enum<?> e) {
            String owner = Type.getInternalName(e.getDeclaringClass());
            mv.visitFieldInsn(Opcodes.GETSTATIC, owner, e.name(), "L" + owner + ";");
        }

        @Override
        public void arena() {
            mv.visitVarInsn(Opcodes.ALOAD, 1);
        }

        @Override
        public void pushInt(int v) {
            ProgramGenerator.pushInt(mv, v);
        }

        @Override
        public void pushFloat(float v) {
            mv.visitLdcInsn(v);
        }

        @Override
        public void offset(Value v) {
            pushInt(offsetOf(v));
        }

        @Override
        public int offsetOf(Value v) {
            return layout.offsetOf(v);
        }

        @Override
        public boolean inArena(Value v) {
            return layout.contains(v);
        }

        @Override
        public void constant(Object array) {
            Integer idx = constantIndex.get(array);
            if (idx == null) {
                idx = constants.size();
                constants.add(array);
                constantIndex.put(array, idx);
            }
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitFieldInsn(Opcodes.GETFIELD, NAME, "k" + idx, Type.getDescriptor(array.getClass()));
        }

        @Override
        public Object parameterArray(Value v) {
            return parameterArray.apply(v);
        }

        @Override
        public void invoke(java.lang.reflect.Method kernel) {
            boolean isStatic = java.lang.reflect.Modifier.isStatic(kernel.getModifiers());
            mv.visitMethodInsn(isStatic ? Opcodes.INVOKESTATIC : Opcodes.INVOKEVIRTUAL,
                    Type.getInternalName(kernel.getDeclaringClass()), kernel.getName(),
                    Type.getMethodDescriptor(kernel), false);
        }

        @Override
        public MethodVisitor visitor() {
            return mv;
        }
    }
}
