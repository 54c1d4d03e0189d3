package dev.tinytrain.cli;

import picocli.CommandLine.IVersionProvider;

/** The version printed by {@code --version}. */
public final class Version implements IVersionProvider {
    /** tinytrain's version. */
    public static final String VERSION = "0.1.0-SNAPSHOT";

    @Override
    public String[] getVersion() {
        return new String[] {"tinytrain " + VERSION};
    }
}
