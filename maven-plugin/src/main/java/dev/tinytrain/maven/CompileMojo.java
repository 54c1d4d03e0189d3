package dev.tinytrain.maven;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import dev.tinytrain.compiler.output.CompileOutput;
import dev.tinytrain.compiler.output.CompileRequest;
import dev.tinytrain.compiler.output.CompileResult;
import dev.tinytrain.compiler.output.CompileRun;
import dev.tinytrain.compiler.output.InputStamp;
import dev.tinytrain.compiler.output.ReportFiles;
import dev.tinytrain.ir.IrException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.descriptor.PluginDescriptor;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/**
 * Compiles a model's on-device training step for a microcontroller and writes the output folder: the memory
 * report (text and JSON) and the input stamp, and the generated C folder and SVG report once those writers are
 * merged. The same folder as {@code tinytrain compile}. The output folder is added as a compile source root.
 *
 * <p>Incremental: when the model files, the scheme, every option and the plugin are unchanged since the last run
 * (the stamp in the output folder says so), nothing is compiled or rewritten. A bad model, a bad scheme or a
 * step that does not fit the target fails the build with the compiler's message.
 *
 * <p>The goal holds no compiler logic: it calls {@code CompileRun.compile}, that is {@code Compiler.compile}.
 */
@Mojo(name = "compile", defaultPhase = LifecyclePhase.GENERATE_SOURCES, threadSafe = true)
public class CompileMojo extends AbstractMojo {

    /**
     * The model, resolved as by every {@code ./tinytrain} command ({@code ModelSource}): a shipped pretrained model
     * ({@code mcunet-5fps}, {@code mbv2-w0.35}, {@code proxyless-w0.3}: the real weights, from the plugin's class
     * path), a {@code tinytrain-mcu-model/1} folder ({@code model.json} + {@code weights.bin}), a tinytrain IR JSON
     * file, or {@code synthetic:NAME} for a built-in architecture with synthetic weights. An existing path wins over
     * a name. Relative paths are relative to the project's base folder.
     */
    @Parameter(property = "tinytrain.model", required = true)
    private String model;

    /**
     * The sparse-update scheme, resolved as by every command ({@code SchemeSource}): a {@code tinytrain-sparse-update/1}
     * policy JSON file when the value ends in {@code .json}, contains a path separator or names an existing file; a
     * preset name ({@code mcunet-99kb}, {@code mbv2-99kb}, {@code proxyless-98kb}, {@code head-only}, {@code all},
     * ...) otherwise.
     */
    @Parameter(property = "tinytrain.scheme", required = true)
    private String scheme;

    /** The target: {@code stm32f746} (320 KB SRAM, 1 MB Flash), {@code tte-256kb} or {@code host}. */
    @Parameter(property = "tinytrain.target", defaultValue = CompileRequest.DEFAULT_TARGET)
    private String target;

    /** How int8 weights and int32 biases are rounded after an update: {@code stochastic}, {@code nearest_even} or
     * {@code float_master}. */
    @Parameter(property = "tinytrain.rounding", defaultValue = CompileRequest.DEFAULT_ROUNDING)
    private String rounding;

    /** Learning rate of the weights and of the head. */
    @Parameter(property = "tinytrain.learningRate", defaultValue = "0.001")
    private float learningRate;

    /** Learning rate of the conv biases; the weights' when not set. */
    @Parameter(property = "tinytrain.biasLearningRate")
    private Float biasLearningRate;

    /** Input height and width. */
    @Parameter(property = "tinytrain.resolution", defaultValue = "128")
    private int resolution;

    /**
     * Run each inverted-residual block's backward channel by channel of its expanded tensor (the same results in
     * less memory); {@code false} computes it whole tensor by whole tensor.
     */
    @Parameter(property = "tinytrain.streamBackward", defaultValue = "true")
    private boolean streamBackward;

    /**
     * Run the frozen high-resolution prefix in row bands where that lowers the arena (the same results in less
     * memory); {@code false} runs it on whole tensors.
     */
    @Parameter(property = "tinytrain.streamPrefix", defaultValue = "true")
    private boolean streamPrefix;

    /** Where the outputs go; replaced whole on every compile, and added as a compile source root. */
    @Parameter(property = "tinytrain.outputDirectory",
            defaultValue = "${project.build.directory}/generated-sources/tinytrain", required = true)
    private File outputDirectory;

    /** Skips the goal. */
    @Parameter(property = "tinytrain.skip", defaultValue = "false")
    private boolean skip;

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    @Parameter(defaultValue = "${plugin}", readonly = true, required = true)
    private PluginDescriptor plugin;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("tinytrain: skipped (tinytrain.skip)");
            return;
        }
        Path out = outputDirectory.toPath().toAbsolutePath().normalize();
        CompileRequest request = new CompileRequest(model, scheme, target, rounding, learningRate, biasLearningRate,
                resolution, null, project.getBasedir().toPath(), streamBackward, streamPrefix);
        try {
            String stamp = InputStamp.compute(request, toolFingerprint());
            if (CompileOutput.isUpToDate(out, stamp)) {
                getLog().info("tinytrain: " + out + " is up to date (inputs unchanged, "
                        + InputStamp.firstLine(stamp) + "): nothing compiled or rewritten");
            } else {
                CompileOutput.checkWritable(request, out); // a refusal before minutes of work
                getLog().info("tinytrain: compiling " + model + " (scheme " + scheme + ", target " + target + ")");
                CompileResult result = CompileRun.compile(request);
                List<String> written = CompileOutput.write(result, out, stamp);
                for (String line : ReportFiles.summary(result)) {
                    getLog().info("  " + line);
                }
                getLog().info("tinytrain: wrote " + out + ": " + String.join(", ", written));
            }
        } catch (IrException | IllegalArgumentException e) {
            // a bad model, scheme or option, or a budget overflow: the user's input, with the compiler's message
            throw new MojoFailureException("tinytrain: " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new MojoExecutionException("tinytrain: " + e.getMessage(), e);
        }
        project.addCompileSourceRoot(out.toString());
        getLog().debug("tinytrain: added compile source root " + out);
    }

    /**
     * What identifies the code doing the compile: the plugin version and a hash of the class files of every
     * tinytrain jar it runs (entry names and contents, not the jars' timestamps), so a rebuilt snapshot with
     * changed code recompiles and an unchanged one does not.
     */
    private String toolFingerprint() {
        List<File> jars = new ArrayList<>();
        if (plugin.getPluginArtifact() != null && plugin.getPluginArtifact().getFile() != null) {
            jars.add(plugin.getPluginArtifact().getFile());
        }
        for (Artifact a : plugin.getArtifacts()) {
            if (a.getGroupId().equals("dev.tinytrain") && a.getFile() != null) {
                jars.add(a.getFile());
            }
        }
        jars.sort(Comparator.comparing(File::getName));
        Hasher h = Hashing.sha256().newHasher();
        for (File f : jars) {
            h.putUnencodedChars(f.getName());
            if (f.isFile()) {
                hashJar(f, h);
            }
        }
        return "tinytrain-maven-plugin " + plugin.getVersion() + " code " + h.hash();
    }

    private static void hashJar(File f, Hasher h) {
        try (JarFile jar = new JarFile(f)) {
            List<JarEntry> entries = new ArrayList<>();
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                JarEntry entry = e.nextElement();
                if (!entry.isDirectory() && !entry.getName().startsWith("META-INF/")) {
                    entries.add(entry);
                }
            }
            entries.sort(Comparator.comparing(JarEntry::getName));
            for (JarEntry entry : entries) {
                h.putUnencodedChars(entry.getName());
                try (InputStream in = jar.getInputStream(entry)) {
                    h.putBytes(in.readAllBytes());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }
}
