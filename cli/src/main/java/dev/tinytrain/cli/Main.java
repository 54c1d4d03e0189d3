package dev.tinytrain.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tinytrain} command line. Exit codes: 0 success, 1 a check failed or the input was rejected (message
 * on stderr), 2 a usage error.
 */
@Command(name = "tinytrain", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Ahead-of-time training-graph compiler for microcontrollers.",
        subcommands = {InspectCommand.class, VerifyGoldenCommand.class, ReportCommand.class, BenchCommand.class,
            CompileCommand.class, SizeCommand.class, FinetuneCommand.class, DatasetCommand.class, SearchCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new Main())
                .setExecutionExceptionHandler(new ErrorHandler())
                .execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
