package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README says what the tests run: its first command is the one {@link BareCloneTest} runs in a bare clone,
 * and its fine-tuning example is the code {@code finetune}'s ReadmeExampleTest compiles and runs.
 */
class ReadmeTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theFirstCommandIsTheOneTheBareCloneTestRuns() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("README.md"));
        String firstCommand = lines.stream().dropWhile(l -> !l.startsWith("```")).skip(1).findFirst().orElse("");
        String expected = String.join(" ", BareCloneTest.FIRST_COMMAND);
        assertTrue(firstCommand.startsWith(expected + " "),
                "README's first command must be `" + expected + "`, is `" + firstCommand + "`");
    }

    @Test
    void theFineTuningExampleIsTheCodeThatRuns() throws IOException {
        Path example = ROOT.resolve("finetune/src/test/java/dev/tinytrain/finetune/ReadmeExample.java");
        List<String> code = Files.readAllLines(example);
        int begin = indexOfContaining(code, "// README-BEGIN");
        int end = indexOfContaining(code, "// README-END");
        int indent = code.get(begin).indexOf("//");
        String block = code.subList(begin + 1, end).stream()
                .map(l -> l.length() >= indent ? l.substring(indent) : l.strip())
                .collect(Collectors.joining("\n"));
        String readme = Files.readString(ROOT.resolve("README.md"));
        assertTrue(readme.contains("```java\n" + block + "\n```"),
                "README's fine-tuning block must equal ReadmeExample.java between its markers:\n" + block);
    }

    private static int indexOfContaining(List<String> lines, String marker) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(marker)) {
                return i;
            }
        }
        throw new AssertionError("no " + marker + " in ReadmeExample.java");
    }
}
