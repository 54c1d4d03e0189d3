package dev.tinytrain.compiler.output;

import dev.tinytrain.compiler.MemoryReport;
import dev.tinytrain.compiler.report.ReportWriters;

import dev.tinytrain.fileio.FileAccessException;
import dev.tinytrain.fileio.OutputFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the output folder of a compile run, the same for the command line and the Maven goal:
 *
 * <pre>
 * OUT/
 *   report.txt        the memory report, text
 *   report.json       the memory report, JSON
 *   arena.svg         the arena over time
 *   c/                the C99 sources (backend-cmsis-c)
 *   tinytrain.stamp   what the outputs were made from (see {@link InputStamp})
 *   tinytrain.manifest every file and folder above, written last ({@link OutputFolder})
 * </pre>
 *
 * The folder is written whole or not at all, through {@link OutputFolder}: an existing {@code OUT} is replaced
 * only when it is empty, or when its manifest lists everything it holds, and never when it holds an input of the
 * run; so a mistyped {@code --out} cannot wipe a user's folder, whatever files it holds.
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
     * Writes the outputs of {@code r} into {@code outDir}, replacing it (see {@link OutputFolder}: only a folder
     * tinytrain wrote and that holds nothing else is replaced, never one that holds an input of the run).
     *
     * @param stamp the run's {@link InputStamp}
     * @return the files and folders written, relative to {@code outDir}, in order
     * @throws CompileInputException when {@code outDir} must not be replaced (the message says what is in the way)
     * @throws UncheckedIOException when writing fails (nothing is then changed; the message gives the reason)
     */
    public static List<String> write(CompileResult r, Path outDir, String stamp) {
        List<String> written = new ArrayList<>();
        try {
            // c/build/ is where `make` in the C folder puts its objects: rebuilding there keeps the folder ours
            OutputFolder.replace(outDir, inputs(r.request()), List.of(C_FOLDER + "/build"), tmp -> {
                writeReports(r, tmp, written);
                writeCodeAndPicture(r, tmp, written);
                Files.writeString(tmp.resolve(STAMP), stamp, StandardCharsets.UTF_8);
                written.add(STAMP);
            });
        } catch (FileAccessException.Refused e) {
            throw new CompileInputException(e.getMessage(), e);
        }
        written.add(OutputFolder.MANIFEST);
        return written;
    }

    /**
     * Checks before compiling that {@code outDir} may be replaced by a run of {@code request}, so a refusal comes
     * before minutes of work.
     *
     * @throws CompileInputException when it may not
     */
    public static void checkWritable(CompileRequest request, Path outDir) {
        try {
            OutputFolder.checkReplaceable(outDir, inputs(request));
        } catch (FileAccessException.Refused e) {
            throw new CompileInputException(e.getMessage(), e);
        }
    }

    /** The files and folders a run of {@code r} reads: the model folder or file, the policy, the head-init files. */
    static List<Path> inputs(CompileRequest r) {
        List<Path> in = new ArrayList<>();
        ModelSource model = ModelSource.resolve(r.model(), r.baseDir());
        if (model.path() != null) {
            in.add(model.path());
        }
        in.addAll(SchemeSource.resolve(r.scheme(), r.baseDir()).files());
        if (r.headInit() != null) {
            in.addAll(r.headInit().files());
        }
        return in;
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
}
