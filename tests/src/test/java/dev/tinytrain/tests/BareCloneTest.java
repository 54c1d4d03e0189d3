package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new user's first minutes: {@code git clone} the repository (the committed HEAD of this working copy) into an
 * empty temporary folder, with no {@code ../shared} beside it, and run the README's first command with the launcher
 * there. The launcher builds the clone ({@code mvn -q -B -DskipTests package -pl cli -am}, a minute or two) and the
 * report must be the shipped MCUNet's: the pretrained models travel with the repository. Needs git and mvn (the
 * build's own tools). Uncommitted changes are not in the clone: commit before trusting this test.
 */
class BareCloneTest {
    /** The README's first command. */
    static final List<String> FIRST_COMMAND = List.of("./tinytrain", "report", "--model", "mcunet-5fps", "--scheme",
            "mcunet-99kb", "--target", "stm32f746");

    @TempDir
    Path tmp;

    @Test
    void theReadmesFirstCommandWorksInAFreshClone() throws Exception {
        CTestSupport.requireTools("the bare-clone test", List.of("git", "mvn"));
        Path repo = Path.of("..").toAbsolutePath().normalize();
        Path clone = tmp.resolve("tinytrain");
        assertFalse(Files.exists(tmp.resolve("shared")), "nothing beside the clone");
        Run git = run(tmp, 120, "git", "clone", "-q", repo.toString(), clone.toString());
        assertEquals(0, git.exit(), git.output());
        assertTrue(Files.isRegularFile(clone.resolve("models/mcunet-5fps/weights.bin")), "the models are committed");

        Run r = run(clone, 900, FIRST_COMMAND.toArray(String[]::new));
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("tinytrain memory report: model mcunet-5fps, scheme mcunet-99kb, target"
                + " stm32f746"), r.output());
        assertTrue(r.output().contains("status: FITS stm32f746"), r.output());
        assertTrue(r.output().matches("(?s).*arena\\s+65,604\\s.*"), r.output());
        assertFalse(r.output().contains("SYNTHETIC"), r.output());
    }

    /** A finished process: exit code and stdout + stderr. */
    record Run(int exit, String output) {
    }

    static Run run(Path dir, long timeoutSeconds, String... command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("bare-clone", ".log");
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Run(-1, "timed out after " + timeoutSeconds + " s: " + String.join(" ", command) + "\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
