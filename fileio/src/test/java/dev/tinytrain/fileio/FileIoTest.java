package dev.tinytrain.fileio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rules of safe input and output, one by one (the command-line suite in {@code tests} covers the uses). */
class FileIoTest {
    @TempDir
    Path tmp;

    @Test
    void onlyRegularFilesAreRead() throws Exception {
        Path fifo = tmp.resolve("pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        FileAccessException e = assertThrows(FileAccessException.class, () -> InputFiles.readAllBytes(fifo, 10));
        assertEquals("cannot read " + fifo + ": it is a named pipe (FIFO), not a regular file", e.getMessage());
        assertTrue(InputFiles.requireRegular(Files.writeString(tmp.resolve("f"), "abc")) == 3);
        assertTrue(assertThrows(FileAccessException.class, () -> InputFiles.open(Path.of("/dev/zero")))
                .getMessage().endsWith("it is a character device, not a regular file"));
        assertTrue(assertThrows(FileAccessException.class, () -> InputFiles.readUtf8(tmp, 10))
                .getMessage().endsWith("it is a folder, not a regular file"));
        FileAccessException missing = assertThrows(FileAccessException.class,
                () -> InputFiles.readAllBytes(tmp.resolve("nope"), 10));
        assertEquals("no such file or folder", missing.reason());
    }

    @Test
    void sizesAreCheckedBeforeReading() throws IOException {
        Path f = Files.write(tmp.resolve("f"), new byte[100]);
        assertEquals(100, InputFiles.readAllBytes(f, 100).length);
        FileAccessException e = assertThrows(FileAccessException.class, () -> InputFiles.readAllBytes(f, 99));
        assertTrue(e.getMessage().contains("it is 100 bytes, more than the 99 bytes"), e.getMessage());
        Files.write(f, new byte[] {'{', (byte) 0xff, '}'});
        assertEquals("not valid UTF-8 text", assertThrows(FileAccessException.class,
                () -> InputFiles.readUtf8(f, 10)).reason());
    }

    @Test
    void aFileIsWrittenWholeOrNotAtAllAndNeverOverAnInput() throws IOException {
        Path out = Files.write(tmp.resolve("x.bin"), new byte[] {1, 2, 3});
        FileAccessException e = assertThrows(FileAccessException.class, () -> OutputFiles.write(out, List.of(),
                ch -> {
                    ch.write(ByteBuffer.wrap(new byte[1000]));
                    throw new IOException("disk full (simulated)");
                }));
        assertEquals("cannot write " + out + ": disk full (simulated)", e.getMessage());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(out));
        assertEquals(List.of("x.bin"), names(tmp), "no temporary file left");

        Path input = Files.writeString(tmp.resolve("model.json"), "{}");
        Path link = Files.createSymbolicLink(tmp.resolve("link.json"), input);
        Path hard = Files.createLink(tmp.resolve("hard.json"), input);
        for (Path target : List.of(input, link, hard)) {
            assertThrows(FileAccessException.Refused.class, () -> OutputFiles.writeString(target, "x", List.of(input)));
        }
        assertThrows(FileAccessException.Refused.class, () -> OutputFiles.writeString(tmp.resolve("model.json"),
                "x", List.of(tmp)), "a folder input stands for its files");
        assertEquals("{}", Files.readString(input));
        OutputFiles.writeString(tmp.resolve("new/ir.json"), "{\"a\": 1}", List.of(input));
        assertEquals("{\"a\": 1}", Files.readString(tmp.resolve("new/ir.json")));
    }

    @Test
    void aFolderIsReplacedOnlyWhenItsManifestListsEverything() throws IOException {
        Path out = tmp.resolve("out");
        assertEquals(List.of("a.txt", "sub/", "sub/b.txt"), OutputFolder.replace(out, List.of(), d -> {
            Files.writeString(d.resolve("a.txt"), "1");
            Files.createDirectories(d.resolve("sub"));
            Files.writeString(d.resolve("sub/b.txt"), "2");
        }));
        assertEquals("tinytrain-manifest/1\na.txt\nsub/\nsub/b.txt\n", Files.readString(out.resolve(
                OutputFolder.MANIFEST)));
        Files.delete(out.resolve("sub/b.txt"));
        OutputFolder.replace(out, List.of(), d -> Files.writeString(d.resolve("c.txt"), "3"));
        assertEquals(List.of("c.txt", "tinytrain.manifest"), names(out), "replaced whole");

        Files.writeString(out.resolve("mine.txt"), "keep");
        FileAccessException e = assertThrows(FileAccessException.Refused.class,
                () -> OutputFolder.replace(out, List.of(), d -> Files.writeString(d.resolve("c.txt"), "4")));
        assertTrue(e.getMessage().contains("it holds mine.txt, which tinytrain did not write"), e.getMessage());
        assertEquals("3", Files.readString(out.resolve("c.txt")));
        Files.delete(out.resolve("mine.txt"));

        OutputFolder.replace(out, List.of(), List.of("build"), d -> Files.writeString(d.resolve("c.txt"), "5"));
        Files.createDirectories(out.resolve("build/m7"));
        Files.writeString(out.resolve("build/m7/x.o"), "made by make");
        OutputFolder.replace(out, List.of(), List.of("build"), d -> Files.writeString(d.resolve("c.txt"), "6"));
        assertEquals(List.of("c.txt", "tinytrain.manifest"), names(out), "a claimed build folder is tinytrain's");
        Files.createDirectories(out.resolve("build"));
        Files.createSymbolicLink(out.resolve("build/home"), Path.of("/"));
        assertThrows(FileAccessException.Refused.class, () -> OutputFolder.replace(out, List.of(), List.of("build"),
                d -> { }), "but never a link in it");
        Files.delete(out.resolve("build/home"));

        Path input = Files.writeString(out.resolve("c.txt"), "now an input");
        assertTrue(assertThrows(FileAccessException.Refused.class, () -> OutputFolder.replace(out, List.of(input),
                d -> { })).getMessage().contains("holds the input"));
        assertEquals(List.of("out"), names(tmp), "no staging folder left");
    }

    /**
     * A run killed between the two renames of its swap left the previous output in its staging folder and none in
     * place: the next run puts it back before anything else, so even a next run that fails leaves it there.
     */
    @Test
    void aSwapKilledMidwayGetsThePreviousOutputBack() throws IOException {
        Path out = tmp.resolve("out");
        OutputFolder.replace(out, List.of(), d -> Files.writeString(d.resolve("a.txt"), "previous"));
        Path staging = Files.createDirectories(tmp.resolve(".out.tmp-tinytrain-" + deadPid() + "-0123456789ab"));
        Files.writeString(staging.resolve(Staging.MARKER), "");
        Files.createDirectories(staging.resolve("out"));
        Files.writeString(staging.resolve("out/a.txt"), "new, its manifest not yet written");
        Files.move(out, staging.resolve(Staging.PREVIOUS)); // the first rename of the swap, then SIGKILL

        assertThrows(FileAccessException.class, () -> OutputFolder.replace(out, List.of(), d -> {
            throw new IOException("this run fails too");
        }));
        assertEquals("previous", Files.readString(out.resolve("a.txt")));
        assertEquals(List.of("out"), names(tmp), "the killed run's staging folder is gone");
    }

    /** The id of a process that has ended. */
    private static long deadPid() throws IOException {
        Process p = new ProcessBuilder("true").start();
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return p.pid();
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
