package dev.tinytrain.fileio;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes an output folder (a compile's reports and C sources) whole or not at all, and replaces an existing one
 * only when tinytrain wrote it and it holds nothing else.
 *
 * <p>Every folder written here ends with {@link #MANIFEST}: {@code tinytrain-manifest/1}, then one line per file
 * and folder written (folders end in {@code /}). Before an existing folder is replaced, its whole tree (symbolic
 * links not followed) is compared with its manifest: a file or folder the manifest does not list, a link or a
 * special file, or a missing manifest in a non-empty folder refuses the run and nothing is touched; a line
 * {@code NAME/**} claims everything under {@code NAME/} (build products of the generated Makefile). A folder that
 * holds an input of the same command is refused too. The new content is written into a staging folder beside the
 * output ({@code .OUT.tmp-tinytrain-PID-HEX/out}, marked as tinytrain's) and swapped in by renames; the staging
 * folders of killed runs are removed on the next run.
 */
public final class OutputFolder {
    /** The manifest file name. */
    public static final String MANIFEST = "tinytrain.manifest";
    /** Its first line. */
    public static final String FORMAT = "tinytrain-manifest/1";
    /** The suffix of a manifest line claiming a whole subfolder ({@code build/**}). */
    private static final String DERIVED = "**";
    private static final String LINK_OR_SPECIAL = " (link or special file)";

    private OutputFolder() {
    }

    /** Fills a staging folder. */
    @FunctionalInterface
    public interface FolderWriter {
        /** Writes the folder's content into {@code dir} (which exists and is empty). */
        void write(Path dir) throws IOException;
    }

    /**
     * Replaces {@code out} with what {@code writer} writes, plus the manifest.
     *
     * @param inputs the files and folders the command reads; {@code out} must not hold any of them
     * @return the entries written, relative to {@code out}, sorted (folders end in {@code /}), without the manifest
     * @throws FileAccessException when {@code out} may not be replaced or writing fails; {@code out} is then as it
     *     was
     */
    public static List<String> replace(Path out, Collection<Path> inputs, FolderWriter writer) {
        return replace(out, inputs, List.of(), writer);
    }

    /**
     * Replaces {@code out} as {@link #replace(Path, Collection, FolderWriter)} does, and also claims the subfolders
     * {@code derived} (e.g. {@code build}, where the generated Makefile puts objects): whatever tinytrain's own tools
     * later put there is tinytrain's too. The manifest lists each as {@code NAME/**}.
     */
    public static List<String> replace(Path out, Collection<Path> inputs, List<String> derived, FolderWriter writer) {
        Path abs = out.toAbsolutePath().normalize();
        checkReplaceable(abs, inputs);
        Path parent = abs.getParent();
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw FileAccessException.failed("create the output folder", abs, e);
        }
        Staging.removeStale(abs);
        Path staging = Staging.tempSibling(abs);
        try {
            Files.createDirectory(staging);
            Files.createFile(staging.resolve(Staging.MARKER));
            Path fresh = Files.createDirectory(staging.resolve("out"));
            writer.write(fresh);
            List<String> entries = List.copyOf(tree(fresh));
            List<String> lines = new ArrayList<>(entries);
            derived.forEach(d -> lines.add(d + "/" + DERIVED));
            Files.writeString(fresh.resolve(MANIFEST), FORMAT + "\n" + String.join("\n", lines) + "\n",
                    StandardCharsets.UTF_8);
            swap(fresh, abs, staging.resolve(Staging.PREVIOUS), inputs);
            return entries;
        } catch (IOException e) {
            throw FileAccessException.failed("write", abs, e);
        } finally {
            try {
                Staging.deleteStaging(staging);
            } catch (IOException e) {
                // marked and named as tinytrain's: the next run removes it
            }
        }
    }

    /**
     * Checks, without writing, that {@code out} may be replaced: it does not exist, or is an empty folder, or a
     * folder whose whole tree its manifest lists; and it holds none of {@code inputs}.
     *
     * @throws FileAccessException naming the folder and what is in the way
     */
    public static void checkReplaceable(Path out, Collection<Path> inputs) {
        Path abs = out.toAbsolutePath().normalize();
        Path real = realPathOfExistingPart(abs);
        for (Path in : inputs) {
            if (in == null) {
                continue;
            }
            Path inReal = realPathOfExistingPart(in.toAbsolutePath().normalize());
            if (inReal.startsWith(real)) {
                throw FileAccessException.refused("refusing to write", abs, "it "
                        + (inReal.equals(real) ? "is" : "holds") + " the input " + in.toAbsolutePath().normalize()
                        + " of this command; choose another output folder");
            }
        }
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(abs, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return; // nothing there yet
        }
        if (a.isSymbolicLink()) {
            throw FileAccessException.refused("refusing to replace", abs, "it is a symbolic link; name the"
                    + " folder itself");
        }
        if (!a.isDirectory()) {
            throw FileAccessException.refused("refusing to replace", abs, "it exists and is not a folder");
        }
        Set<String> present;
        try {
            present = tree(abs);
        } catch (IOException e) {
            throw FileAccessException.failed("list", abs, e);
        }
        if (present.isEmpty()) {
            return;
        }
        Path manifest = abs.resolve(MANIFEST);
        if (!present.contains(MANIFEST)) {
            throw FileAccessException.refused("refusing to replace", abs, "it is not empty and was not written"
                    + " by tinytrain (it has no " + MANIFEST + "); choose another output folder");
        }
        Set<String> listed = new TreeSet<>();
        String text = InputFiles.readUtf8(manifest, 16L << 20);
        List<String> lines = text.lines().toList();
        if (lines.isEmpty() || !lines.get(0).equals(FORMAT)) {
            throw FileAccessException.refused("refusing to replace", abs, "its " + MANIFEST + " does not start"
                    + " with " + FORMAT);
        }
        listed.addAll(lines.subList(1, lines.size()));
        listed.add(MANIFEST);
        List<String> derivedPrefixes = listed.stream().filter(l -> l.endsWith("/" + DERIVED))
                .map(l -> l.substring(0, l.length() - DERIVED.length())).toList();
        for (String p : present) {
            if (!listed.contains(p) && derivedPrefixes.stream().noneMatch(d -> p.startsWith(d)
                    && !p.endsWith(LINK_OR_SPECIAL))) {
                throw FileAccessException.refused("refusing to replace", abs, "it holds " + p + ", which"
                        + " tinytrain did not write (" + MANIFEST + " does not list it); move it away or choose"
                        + " another output folder");
            }
        }
    }

    /** Moves {@code fresh} to {@code out}; an existing {@code out} goes to {@code old} first and is deleted. */
    private static void swap(Path fresh, Path out, Path old, Collection<Path> inputs) throws IOException {
        if (!Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
            move(fresh, out);
            return;
        }
        checkReplaceable(out, inputs); // again: it may have changed while the compile ran
        move(out, old);
        try {
            move(fresh, out);
        } catch (IOException | RuntimeException e) {
            move(old, out); // put the previous outputs back
            throw e;
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /**
     * Every entry under {@code root}, relative, folders ending in {@code /}; a symbolic link or a special file is
     * listed with a {@code " (link or special file)"} suffix, which no manifest holds.
     */
    private static Set<String> tree(Path root) throws IOException {
        Set<String> out = new TreeSet<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (!dir.equals(root)) {
                    out.add(rel(dir) + "/");
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                out.add(attrs.isRegularFile() ? rel(file) : rel(file) + LINK_OR_SPECIAL);
                return FileVisitResult.CONTINUE;
            }

            private String rel(Path p) {
                return root.relativize(p).toString().replace('\\', '/');
            }
        });
        return out;
    }

    /** The real path of the longest existing prefix of {@code p}, with the rest appended. */
    static Path realPathOfExistingPart(Path p) {
        List<Path> rest = new ArrayList<>();
        Path cur = p;
        while (cur != null) {
            try {
                Path real = cur.toRealPath();
                for (int i = rest.size() - 1; i >= 0; i--) {
                    real = real.resolve(rest.get(i));
                }
                return real;
            } catch (IOException e) {
                if (cur.getFileName() != null) {
                    rest.add(cur.getFileName());
                }
                cur = cur.getParent();
            }
        }
        return p;
    }
}
