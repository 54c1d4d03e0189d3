package dev.tinytrain.fileio;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names of the temporary files and folders tinytrain writes beside an output ({@code .NAME.tmp-tinytrain-PID-HEX}),
 * and the removal of those a killed run left behind. A leftover is removed only when its name says tinytrain made
 * it for this very output, the process id in its name is no longer running, and (for a folder) it holds the
 * {@link #MARKER} file or nothing at all: anything else of a similar name is not touched.
 *
 * <p>A run may be killed at any instant, so the marker is the first thing created in a staging folder and the last
 * thing deleted from it: a folder killed before its marker exists is empty, one killed while being removed still
 * holds its marker, and either is removed by the next run. A run killed between the two renames of its swap (the
 * previous output moved to {@code staging/old}, the new one not yet in its place) leaves no output at all: the next
 * run moves {@code old} back first, so the previous complete output is never lost.
 */
final class Staging {
    /** The file inside a staging folder that marks it as tinytrain's. */
    static final String MARKER = ".tinytrain-staging";
    /** Where a staging folder holds the previous output while the new one is moved into its place. */
    static final String PREVIOUS = "old";
    private static final String INFIX = ".tmp-tinytrain-";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Staging() {
    }

    /** A fresh temporary name for {@code target} in its folder. */
    static Path tempSibling(Path target) {
        byte[] r = new byte[6];
        RANDOM.nextBytes(r);
        return target.resolveSibling("." + target.getFileName() + INFIX + ProcessHandle.current().pid() + "-"
                + HexFormat.of().formatHex(r));
    }

    /** Removes the temporary files and staging folders of {@code target} that a dead tinytrain run left. */
    static void removeStale(Path target) {
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            return;
        }
        Pattern own = Pattern.compile(Pattern.quote("." + target.getFileName() + INFIX) + "(\\d+)-[0-9a-f]{12}");
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "." + target.getFileName() + INFIX + "*")) {
            for (Path p : s) {
                Matcher m = own.matcher(p.getFileName().toString());
                if (m.matches() && !isRunning(m.group(1))) {
                    removeLeftover(p, target);
                }
            }
        } catch (IOException e) {
            // the folder cannot be listed now: a later run removes what a dead run left; it never blocks this one
        }
    }

    private static void removeLeftover(Path p, Path target) {
        try {
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                Files.deleteIfExists(p);
            } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                if (Files.isRegularFile(p.resolve(MARKER), LinkOption.NOFOLLOW_LINKS)) {
                    Path previous = p.resolve(PREVIOUS);
                    // a whole previous output (its manifest is written last) and nothing in its place
                    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)
                            && Files.isDirectory(previous, LinkOption.NOFOLLOW_LINKS)
                            && Files.isRegularFile(previous.resolve(OutputFolder.MANIFEST),
                                    LinkOption.NOFOLLOW_LINKS)) {
                        Files.move(previous, target, StandardCopyOption.ATOMIC_MOVE); // killed mid-swap
                    }
                    deleteStaging(p);
                } else {
                    Files.delete(p); // only when empty: killed between its creation and its marker's
                }
            }
        } catch (IOException e) {
            // not ours after all (an unmarked folder with content) or not removable now: left for a later run
        }
    }

    /** Deletes a staging folder, its marker last, so that a removal killed midway leaves it still marked. */
    static void deleteStaging(Path staging) throws IOException {
        if (!Files.exists(staging, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(staging)) {
            for (Path child : s) {
                if (!child.getFileName().toString().equals(MARKER)) {
                    deleteTree(child);
                }
            }
        }
        Files.deleteIfExists(staging.resolve(MARKER));
        Files.delete(staging);
    }

    private static boolean isRunning(String pid) {
        try {
            long id = Long.parseLong(pid);
            return id == ProcessHandle.current().pid() || ProcessHandle.of(id).map(ProcessHandle::isAlive)
                    .orElse(false);
        } catch (NumberFormatException e) {
            return true; // not a name we wrote: leave it
        }
    }

    /** Deletes a folder tree without following symbolic links (a link is removed, never what it points to). */
    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
