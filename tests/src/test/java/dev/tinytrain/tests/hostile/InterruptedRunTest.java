package dev.tinytrain.tests.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.cli.CliRun;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs killed midway (SIGKILL, no chance to clean up): the output is either the previous complete one or the new
 * complete one, never a mix (or, killed between the swap's two renames, absent until the next run puts the previous
 * one back); the staging folder left behind is removed by the next run; nothing else changes. And
 * the leftovers cleaned are only tinytrain's own: named for this output, of a process no longer running, marked or
 * empty.
 */
class InterruptedRunTest {
    @TempDir
    Path tmp;

    @Test
    void aCompileKilledMidwayIsCleanedUpByTheNextRun() throws Exception {
        Path out = tmp.resolve("out");
        Files.writeString(tmp.resolve("keep.txt"), "a neighbour of the output");
        String[] compile = {"compile", "--model", "mbv2-w0.35", "--scheme", "mbv2-99kb", "--out", out.toString()};
        assertEquals(0, CliRun.run(compile).exit(), "a first, complete output");
        String firstStamp = Files.readString(out.resolve("tinytrain.stamp"));
        FolderSnapshot before = FolderSnapshot.of(tmp);

        boolean caughtStaging = false;
        for (int attempt = 0; attempt < 5 && !caughtStaging; attempt++) {
            Process p = new ProcessBuilder(javaCommand(compile)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (p.isAlive() && System.nanoTime() < deadline && !caughtStaging) {
                caughtStaging = !staging(tmp).isEmpty();
            }
            p.destroyForcibly(); // SIGKILL
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the killed run ended");
            assertCompleteOrMidSwap(out);
        }
        assertTrue(caughtStaging, "in five runs, one was killed while its staging folder existed");

        assertEquals(0, CliRun.run(compile).exit(), "the next run succeeds");
        assertEquals(List.of(), staging(tmp), "and removes the killed run's staging folder");
        assertComplete(out);
        assertEquals(firstStamp, Files.readString(out.resolve("tinytrain.stamp")), "the same inputs, the same stamp");
        List<String> changed = before.changesOutside(FolderSnapshot.of(tmp), List.of("out/"));
        assertEquals(List.of(), changed, "nothing beside the output changed");
    }

    @Test
    void onlyTinytrainsOwnLeftoversOfDeadRunsAreRemoved() throws Exception {
        long dead = deadPid();
        long alive = ProcessHandle.current().pid();
        Path stale = marked(tmp.resolve(".out.tmp-tinytrain-" + dead + "-0123456789ab"));
        Files.writeString(stale.resolve("out/report.txt"), "half written");
        Path unmarked = Files.createDirectories(tmp.resolve(".out.tmp-tinytrain-" + dead + "-abcdefabcdef"));
        Files.writeString(unmarked.resolve("notes.txt"), "not tinytrain's: it holds no marker");
        // killed between creating its staging folder and the marker: empty, so removing it loses nothing
        Path killedBeforeMarker = Files.createDirectories(tmp.resolve(".out.tmp-tinytrain-" + dead + "-00ff00ff00ff"));
        // killed while removing its staging folder: the marker goes last, so what is left is still marked
        Path halfRemoved = Files.createDirectories(tmp.resolve(".out.tmp-tinytrain-" + dead + "-ff00ff00ff00"));
        Files.writeString(halfRemoved.resolve(".tinytrain-staging"), "");
        Files.createDirectories(halfRemoved.resolve("out/c"));
        Path live = marked(tmp.resolve(".out.tmp-tinytrain-" + alive + "-0123456789ab"));
        Path otherOutput = marked(tmp.resolve(".other.tmp-tinytrain-" + dead + "-0123456789ab"));
        Path foreign = Files.createDirectories(tmp.resolve(".out.tmp-12345"));
        Path staleFile = Files.writeString(tmp.resolve(".ir.json.tmp-tinytrain-" + dead + "-0123456789ab"), "{");

        Path out = tmp.resolve("out");
        assertEquals(0, CliRun.run("compile", "--model", "mbv2-w0.35", "--scheme", "mbv2-99kb", "--out",
                out.toString()).exit());
        assertFalse(Files.exists(stale), "a marked staging folder of a dead run is removed");
        assertFalse(Files.exists(killedBeforeMarker), "an empty staging folder of a dead run is removed");
        assertFalse(Files.exists(halfRemoved), "a half-removed staging folder of a dead run is removed");
        for (Path kept : List.of(unmarked, live, otherOutput, foreign)) {
            assertTrue(Files.exists(kept), "kept: " + kept.getFileName());
        }
        Path ir = tmp.resolve("ir.json");
        assertEquals(0, CliRun.run("inspect", "--graph", writeGraph(), "--json", ir.toString()).exit());
        assertFalse(Files.exists(staleFile), "a temporary file of a dead run is removed");

        // outputs get the permissions the umask gives any new file (not 0600 / 0700)
        Path probe = Files.writeString(tmp.resolve("probe"), "");
        String filePerms = PosixFilePermissions.toString(Files.getPosixFilePermissions(probe));
        assertEquals(filePerms, PosixFilePermissions.toString(Files.getPosixFilePermissions(ir)));
        assertEquals(filePerms, PosixFilePermissions.toString(Files.getPosixFilePermissions(
                out.resolve("report.txt"))));
        Path probeDir = Files.createDirectory(tmp.resolve("probe-dir"));
        assertEquals(PosixFilePermissions.toString(Files.getPosixFilePermissions(probeDir)),
                PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
    }

    private String writeGraph() throws IOException {
        Path g = tmp.resolve("g.json");
        Files.writeString(g, dev.tinytrain.ir.json.IrJson.write(dev.tinytrain.ir.TinyGraphs.block()));
        return g.toString();
    }

    /** A staging folder as a run makes it: marked, with the output inside. */
    private static Path marked(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("out"));
        Files.writeString(dir.resolve(".tinytrain-staging"), "");
        return dir;
    }

    /** The id of a process that has ended. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    private static List<Path> staging(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, ".out.tmp-tinytrain-*")) {
            s.forEach(out::add);
        }
        return out;
    }

    /**
     * The output is complete, or (killed between the two renames of the swap, a window of two renames) absent with
     * the previous complete output in the killed run's staging folder, where the next run takes it back from.
     */
    private void assertCompleteOrMidSwap(Path out) throws IOException {
        if (Files.exists(out)) {
            assertComplete(out);
            return;
        }
        List<Path> held = staging(tmp).stream().map(d -> d.resolve("old")).filter(Files::isDirectory).toList();
        assertEquals(1, held.size(), "no output: killed mid-swap, the previous output held in staging");
        assertComplete(held.get(0));
    }

    /** The output holds exactly what its manifest lists (the previous run's or the new one's, whole). */
    private static void assertComplete(Path out) throws IOException {
        List<String> lines = Files.readAllLines(out.resolve("tinytrain.manifest"));
        assertEquals("tinytrain-manifest/1", lines.get(0));
        // the entries written; "c/build/**" claims make's future build folder and lists nothing present
        List<String> listed = lines.stream().filter(l -> !l.endsWith("/**")).toList();
        for (String entry : listed.subList(1, listed.size())) {
            assertTrue(Files.exists(out.resolve(entry)), "listed and present: " + entry);
        }
        try (Stream<Path> s = Files.walk(out)) {
            long entries = s.count() - 1; // the folder itself
            assertEquals(listed.size(), entries, "nothing but the listed entries and the manifest");
        }
    }

    private static List<String> javaCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xss8m", "-cp", System.getProperty("java.class.path"), "dev.tinytrain.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
