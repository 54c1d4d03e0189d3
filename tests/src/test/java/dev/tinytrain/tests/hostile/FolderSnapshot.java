package dev.tinytrain.tests.hostile;

import com.google.common.hash.Hashing;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything in a folder tree, links not followed: for each entry its kind, permissions, and for regular files
 * the size and content hash (size and modification time for huge sparse files), so that two snapshots differ
 * exactly where something was created, deleted, replaced or changed. Pipes and devices are never opened.
 */
record FolderSnapshot(Map<String, String> entries) {
    private static final long HASH_LIMIT = 64L << 20;

    static FolderSnapshot of(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) throws IOException {
                m.put(rel(dir) + "/", "dir " + perms(dir));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                String d;
                if (a.isSymbolicLink()) {
                    d = "link -> " + Files.readSymbolicLink(f);
                } else if (a.isRegularFile()) {
                    d = "file " + perms(f) + " " + a.size() + " " + (a.size() > HASH_LIMIT
                            ? "mtime " + a.lastModifiedTime().toMillis()
                            : Hashing.sha256().hashBytes(Files.readAllBytes(f)).toString());
                } else {
                    d = "special " + perms(f);
                }
                m.put(rel(f), d);
                return FileVisitResult.CONTINUE;
            }

            private String rel(Path p) {
                return root.relativize(p).toString();
            }
        });
        return new FolderSnapshot(m);
    }

    private static String perms(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    /** The entries that differ (added, removed or changed), outside the ones whose path starts with an allowed one. */
    List<String> changesOutside(FolderSnapshot after, List<String> allowed) {
        List<String> out = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(entries.keySet());
        keys.addAll(after.entries.keySet());
        for (String k : keys) {
            String a = entries.get(k);
            String b = after.entries.get(k);
            if (a != null && a.equals(b) || allowed.stream().anyMatch(k::startsWith)) {
                continue;
            }
            out.add(k + ": " + (a == null ? "added" : b == null ? "removed" : "changed (" + a + " -> " + b + ")"));
        }
        return out;
    }
}
