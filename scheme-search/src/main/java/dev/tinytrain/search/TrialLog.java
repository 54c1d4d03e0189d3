package dev.tinytrain.search;

import java.io.BufferedWriter;
import dev.tinytrain.fileio.InputFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The trials done so far: an append-only JSON-lines file of {@link TrialRecord}s (or memory only), keyed by
 * {@link TrialRecord#key()}. Each finished trial is appended as one line and flushed, so an interrupted analysis
 * loses at most the trials that were running; a last line cut short by the interruption is ignored (and counted)
 * and removed by the next append, any other bad line is an error naming the file and line. Shards of one
 * analysis run elsewhere merge by concatenating their files (a key seen twice keeps its first record).
 */
public final class TrialLog implements AutoCloseable {
    private final Path file;
    private final Map<String, TrialRecord> records = new LinkedHashMap<>();
    private final int truncatedLines;
    /** Bytes of whole lines before a line cut short (-1: none); the first append cuts the file there. */
    private final long validBytes;
    private BufferedWriter out;

    private TrialLog(Path file, int truncatedLines, long validBytes) {
        this.file = file;
        this.truncatedLines = truncatedLines;
        this.validBytes = validBytes;
    }

    /** A log kept in memory only (nothing resumes). */
    public static TrialLog inMemory() {
        return new TrialLog(null, 0, -1);
    }

    /**
     * Opens {@code file}, reading the records already there (an absent file is an empty log).
     *
     * @throws IllegalArgumentException naming the file, line and field of a bad record
     * @throws dev.tinytrain.fileio.FileAccessException when the file is not a regular file or cannot be read
     */
    public static TrialLog open(Path file) {
        if (!Files.exists(file)) {
            return new TrialLog(file, 0, -1);
        }
        // a regular file only: a pipe would block the analysis forever (FileAccessException names it)
        String text = InputFiles.readUtf8(file, InputFiles.TEXT_LIMIT);
        boolean endsWithNewline = text.isEmpty() || text.endsWith("\n");
        List<String> lines = text.lines().toList();
        int truncated = 0;
        List<TrialRecord> parsed = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            try {
                parsed.add(TrialRecord.parse(line));
            } catch (IllegalArgumentException e) {
                if (i == lines.size() - 1 && !endsWithNewline) {
                    truncated++; // the write of the last trial was interrupted
                    continue;
                }
                throw new IllegalArgumentException("records file " + file + ": line " + (i + 1) + ": "
                        + e.getMessage(), e);
            }
        }
        long valid = truncated == 0 ? -1
                : text.substring(0, text.lastIndexOf('\n') + 1).getBytes(StandardCharsets.UTF_8).length;
        TrialLog log = new TrialLog(file, truncated, valid);
        for (TrialRecord r : parsed) {
            log.records.putIfAbsent(r.key(), r);
        }
        return log;
    }

    /** The record of {@code spec} in {@code study}, if done. */
    public synchronized Optional<TrialRecord> find(String study, TrialSpec spec) {
        return Optional.ofNullable(records.get(TrialRecord.key(study, spec)));
    }

    /** Every record, in the order read or appended. */
    public synchronized List<TrialRecord> records() {
        return List.copyOf(records.values());
    }

    /** Lines cut short by an interruption that were ignored when reading. */
    public int truncatedLines() {
        return truncatedLines;
    }

    /** The file, or empty for a log in memory. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /**
     * Adds a record and, for a file, appends its line and flushes.
     *
     * @throws UncheckedIOException when the file cannot be written
     */
    public synchronized void append(TrialRecord r) {
        records.putIfAbsent(r.key(), r);
        if (file == null) {
            return;
        }
        try {
            if (out == null) {
                Path parent = file.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                if (validBytes >= 0) {
                    try (var ch = Files.newByteChannel(file, StandardOpenOption.WRITE)) {
                        ch.truncate(validBytes); // drop the line an interruption cut short
                    }
                }
                boolean needsNewline = Files.exists(file) && Files.size(file) > 0 && !endsWithNewline(file);
                out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                if (needsNewline) {
                    out.write("\n"); // a last line written without one (by hand)
                }
            }
            out.write(r.toJsonLine());
            out.write("\n");
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("records file " + file + ": cannot write: " + e.getMessage(), e);
        }
    }

    private static boolean endsWithNewline(Path f) throws IOException {
        try (var ch = Files.newByteChannel(f)) {
            ch.position(ch.size() - 1);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b);
            return b.get(0) == '\n';
        }
    }

    @Override
    public synchronized void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException("records file " + file + ": cannot close: " + e.getMessage(), e);
            }
            out = null;
        }
    }
}
