package dev.tinytrain.planner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reader of Glow's allocator test corpus ({@code tests/unittests/MemoryAllocatorTestModels.txt} of
 * pytorch/glow), kept at {@code shared/bench/glow-allocator-corpus.txt}.
 *
 * <p>Format: {@code #} comments; per model {@code MODEL name}, {@code ALIGN bytes}, then a sequence of
 * {@code ALLOC id size} and {@code FREE id} lines, then {@code MEM bytes} and {@code EFF ratio}. The order
 * of the ALLOC/FREE lines is the time axis: the {@code k}-th such line of a model is step {@code k}
 * (from 0), and a buffer is live from the step of its ALLOC to the step of its FREE, both inclusive.
 * Since a FREE line allocates nothing, this yields the same lower bound as Glow's live-size count, and a
 * buffer allocated after a FREE may reuse the freed bytes.
 */
public final class GlowCorpus {
    /** System property naming the {@code shared} directory (set by surefire). */
    public static final String SHARED_PROPERTY = "tinytrain.shared";
    /** Location of the corpus relative to the {@code shared} directory. */
    public static final String RELATIVE_PATH = "bench/glow-allocator-corpus.txt";

    private GlowCorpus() {
    }

    /**
     * The default corpus location: {@code ${tinytrain.shared}/bench/glow-allocator-corpus.txt}, or, if
     * the property is unset, {@code ../../shared/bench/glow-allocator-corpus.txt} relative to the working
     * directory (the module directory under Maven). The file may not exist.
     *
     * @return the path to try
     */
    public static Path defaultPath() {
        String shared = System.getProperty(SHARED_PROPERTY);
        Path base = shared != null && !shared.isBlank() ? Paths.get(shared) : Paths.get("..", "..", "shared");
        return base.resolve(RELATIVE_PATH).normalize();
    }

    /**
     * Parses a corpus file.
     *
     * @param file the corpus
     * @return the models in file order
     * @throws IOException if the file cannot be read
     * @throws GlowCorpusFormatException if the file is malformed
     */
    public static List<GlowModel> parse(Path file) throws IOException {
        return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    /**
     * Parses corpus text given as lines.
     *
     * @param lines the lines of a corpus file
     * @return the models in file order
     * @throws GlowCorpusFormatException if the text is malformed
     */
    public static List<GlowModel> parse(List<String> lines) {
        List<GlowModel> models = new ArrayList<>();
        ModelBuilder current = null;
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            String key = f[0];
            if (key.equals("MODEL")) {
                expectFields(f, 2, lineNo);
                if (current != null) {
                    models.add(current.build(lineNo));
                }
                current = new ModelBuilder(f[1]);
                continue;
            }
            if (current == null) {
                throw new GlowCorpusFormatException(lineNo, "'" + key + "' before the first MODEL line");
            }
            switch (key) {
                case "ALIGN" -> {
                    expectFields(f, 2, lineNo);
                    long alignment = number(f[1], lineNo);
                    if (alignment < 1 || alignment > Integer.MAX_VALUE) {
                        throw new GlowCorpusFormatException(lineNo, "bad ALIGN " + alignment);
                    }
                    current.alignment = (int) alignment;
                }
                case "ALLOC" -> {
                    expectFields(f, 3, lineNo);
                    current.alloc(f[1], number(f[2], lineNo), lineNo);
                }
                case "FREE" -> {
                    expectFields(f, 2, lineNo);
                    current.free(f[1], lineNo);
                }
                case "MEM" -> {
                    expectFields(f, 2, lineNo);
                    current.mem = number(f[1], lineNo);
                }
                case "EFF" -> {
                    expectFields(f, 2, lineNo);
                    try {
                        current.eff = Double.parseDouble(f[1]);
                    } catch (NumberFormatException ex) {
                        throw new GlowCorpusFormatException(lineNo, "bad EFF ratio '" + f[1] + "'");
                    }
                }
                default -> throw new GlowCorpusFormatException(lineNo, "unknown keyword '" + key + "'");
            }
        }
        if (current != null) {
            models.add(current.build(lines.size()));
        }
        return List.copyOf(models);
    }

    private static void expectFields(String[] f, int count, int lineNo) {
        if (f.length != count) {
            throw new GlowCorpusFormatException(lineNo, "'" + f[0] + "' expects " + (count - 1)
                    + " value(s), got " + (f.length - 1));
        }
    }

    private static long number(String text, int lineNo) {
        try {
            long value = Long.parseLong(text);
            if (value < 0) {
                throw new GlowCorpusFormatException(lineNo, "negative number " + text);
            }
            return value;
        } catch (NumberFormatException ex) {
            throw new GlowCorpusFormatException(lineNo, "not a number: '" + text + "'");
        }
    }

    private static final class ModelBuilder {
        final String name;
        int alignment = -1;
        long mem = -1;
        double eff = Double.NaN;
        int step;
        /** ALLOC order; value = {size, allocStep, freeStep or -1}. */
        final Map<String, long[]> buffers = new LinkedHashMap<>();

        ModelBuilder(String name) {
            this.name = name;
        }

        void alloc(String id, long size, int lineNo) {
            if (buffers.containsKey(id)) {
                throw new GlowCorpusFormatException(lineNo, "model " + name + ": buffer '" + id
                        + "' allocated twice");
            }
            buffers.put(id, new long[] {size, step++, -1});
        }

        void free(String id, int lineNo) {
            long[] b = buffers.get(id);
            if (b == null) {
                throw new GlowCorpusFormatException(lineNo, "model " + name + ": FREE of unallocated buffer '"
                        + id + "'");
            }
            if (b[2] >= 0) {
                throw new GlowCorpusFormatException(lineNo, "model " + name + ": buffer '" + id
                        + "' freed twice");
            }
            b[2] = step++;
        }

        GlowModel build(int lineNo) {
            if (alignment < 1) {
                throw new GlowCorpusFormatException(lineNo, "model " + name + " has no valid ALIGN line");
            }
            if (mem < 0) {
                throw new GlowCorpusFormatException(lineNo, "model " + name + " has no MEM line");
            }
            List<BufferLifetime> lifetimes = new ArrayList<>();
            for (Map.Entry<String, long[]> e : buffers.entrySet()) {
                long[] b = e.getValue();
                if (b[2] < 0) {
                    throw new GlowCorpusFormatException(lineNo, "model " + name + ": buffer '" + e.getKey()
                            + "' is never freed");
                }
                lifetimes.add(new BufferLifetime(e.getKey(), b[0], (int) b[1], (int) b[2]));
            }
            return new GlowModel(name, alignment, lifetimes, mem, eff);
        }
    }
}
