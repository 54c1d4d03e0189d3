package dev.tinytrain.compiler.output;

import dev.tinytrain.compiler.MemoryReport;
import dev.tinytrain.compiler.report.ReportWriters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Writes the output folder of a compile run, the same for the command line and the Maven goal:
 *
 * <pre>
 * OUT/
 *   report.txt        the memory report, text
 *   report.json       the memory report, JSON
 *   tinytrain.stamp   what the outputs were made from (see {@link InputStamp}), written last
 * </pre>
 *
 * The folder is written whole or not at all: everything goes into a temporary folder beside {@code OUT}, which
 * then replaces {@code OUT} by renames; a failure leaves {@code OUT} as it was and no temporary folder behind.
 * An existing {@code OUT} is replaced only when it is empty or was written by tinytrain (it holds a stamp), so a
 * mistyped {@code --out} cannot wipe a user's folder.
 */
public final class CompileOutput {
    /** The text report. */
    public static final String REPORT_TEXT = "report.txt";
    /** The JSON report. */
    public static final String REPORT_JSON = "report.json";
    /** The input stamp. */
    public static final String STAMP = "tinytrain.stamp";
    /** The picture of the arena over time. */
    public static final String ARENA_SVG = "arena.svg";

    /** The folder the C backend will write (see {@link #writeCodeAndPicture}). */
    public static final String C_FOLDER = "c";

    private CompileOutput() {
    }

    /**
     * Writes the outputs of {@code r} into {@code outDir}, replacing it.
     *
     * @param stamp the run's {@link InputStamp}
     * @return the files and folders written, relative to {@code outDir}, in order
     * @throws CompileInputException when {@code outDir} exists and is a file, or a non-empty folder without a
     *     stamp
     * @throws UncheckedIOException when writing fails (nothing is then changed)
     */
    public static List<String> write(CompileResult r, Path outDir, String stamp) {
        Path out = outDir.toAbsolutePath().normalize();
        checkReplaceable(out);
        Path parent = out.getParent();
        try {
            Files.createDirectories(parent);
            Path tmp = Files.createTempDirectory(parent, "." + out.getFileName() + ".tmp-");
            try {
                List<String> written = new ArrayList<>();
                writeReports(r, tmp, written);
                writeCodeAndPicture(r, tmp, written);
                Files.writeString(tmp.resolve(STAMP), stamp, StandardCharsets.UTF_8);
                written.add(STAMP);
                replace(tmp, out);
                return written;
            } finally {
                deleteRecursively(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }

    /** The memory report, text and JSON ({@link ReportWriters}). */
    private static void writeReports(CompileResult r, Path dir, List<String> written) throws IOException {
        MemoryReport report = r.compiled().report();
        StringBuilder head = new StringBuilder(r.model().description()).append('\n');
        if (r.model().synthetic()) {
            head.append("NOTE: the weights are SYNTHETIC (seeded random numbers, not pretrained). Memory, schedule and"
                    + " code are those of the real model; its predictions are meaningless.\n");
        }
        for (String line : ReportFiles.summary(r)) {
            head.append(line).append('\n');
        }
        Files.writeString(dir.resolve(REPORT_TEXT), head + "\n" + ReportWriters.text(report), StandardCharsets.UTF_8);
        written.add(REPORT_TEXT);
        Files.writeString(dir.resolve(REPORT_JSON), ReportWriters.json(report), StandardCharsets.UTF_8);
        written.add(REPORT_JSON);
    }

    /**
     * THE PLACE WHERE THE GENERATED C FOLDER AND THE SVG MEMORY PICTURE ARE WRITTEN. Everything written into
     * {@code dir} here lands in the output folder atomically with the reports and is covered by the stamp;
     * add each name to {@code written}. When the C backend and the report writers are merged, this becomes:
     *
     * <pre>{@code
     * r.compiled().emitC(dir.resolve(C_FOLDER));              // backend-cmsis-c: the C99 folder
     * written.add(C_FOLDER + "/");
     * SvgReport.write(r.compiled().report(), dir.resolve("report.svg"));   // compiler/report
     * written.add("report.svg");
     * }</pre>
     *
     * (and {@link #isUpToDate} may then also require {@code c/}). The Maven plugin's "compile" IT builds
     * {@code c/} with host gcc as soon as it exists.
     */
    private static void writeCodeAndPicture(CompileResult r, Path dir, List<String> written) throws IOException {
        Files.writeString(dir.resolve(ARENA_SVG), ReportWriters.svg(r.compiled().report()), StandardCharsets.UTF_8);
        written.add(ARENA_SVG);
        r.compiled().emitC(dir.resolve(C_FOLDER));
        written.add(C_FOLDER + "/");
    }

    /**
     * True when {@code outDir} holds the outputs of a run with exactly this {@code stamp}: the stamp file's first
     * line (format and hash) is equal and the reports are there.
     */
    public static boolean isUpToDate(Path outDir, String stamp) {
        Path s = outDir.resolve(STAMP);
        if (!Files.isRegularFile(s) || !Files.isRegularFile(outDir.resolve(REPORT_TEXT))
                || !Files.isRegularFile(outDir.resolve(REPORT_JSON))) {
            return false;
        }
        try {
            String old = Files.readString(s, StandardCharsets.UTF_8);
            return InputStamp.firstLine(old).equals(InputStamp.firstLine(stamp));
        } catch (IOException e) {
            return false;
        }
    }

    private static void checkReplaceable(Path out) {
        if (!Files.exists(out)) {
            return;
        }
        if (!Files.isDirectory(out)) {
            throw new CompileInputException("output " + out + " exists and is not a folder");
        }
        if (Files.exists(out.resolve(STAMP))) {
            return;
        }
        try (Stream<Path> s = Files.list(out)) {
            if (s.findAny().isPresent()) {
                throw new CompileInputException("refusing to replace " + out + ": it is not empty and was not"
                        + " written by tinytrain (it has no " + STAMP + "); choose another output folder");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + out + ": " + e.getMessage(), e);
        }
    }

    /** Puts {@code tmp} in the place of {@code out}: the old folder is moved aside, then deleted. */
    private static void replace(Path tmp, Path out) throws IOException {
        if (!Files.exists(out)) {
            move(tmp, out);
            return;
        }
        Path old = out.resolveSibling("." + out.getFileName() + ".old-" + UUID.randomUUID());
        move(out, old);
        try {
            move(tmp, out);
        } catch (IOException | RuntimeException e) {
            move(old, out); // put the previous outputs back
            throw e;
        }
        deleteRecursively(old);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Deletes a folder tree if it exists. */
    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
