package dev.tinytrain.cli;

import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.json.IrJson;
import dev.tinytrain.ir.text.IrPrinter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code tinytrain inspect}: the IR summary of a model (ops, parameters, MACs, activation sizes). */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Print the IR summary of a model: ops, parameters, MACs and activation sizes.")
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    /** Where the graph comes from. */
    static final class Source {
        @Option(names = "--model", required = true, paramLabel = "DIR|FILE",
                description = "tinytrain-mcu-model/1 folder (model.json + weights.bin), or a full-integer .tflite"
                        + " file")
        Path model;

        @Option(names = "--graph", required = true, paramLabel = "FILE",
                description = "tinytrain IR JSON file (as written by --json)")
        Path graph;
    }

    @Option(names = "--resolution", defaultValue = "128", description = "input height and width (default: ${DEFAULT-VALUE})")
    int resolution;

    @Option(names = "--print-ir", description = "also print the whole IR as text")
    boolean printIr;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the IR as JSON to FILE")
    Path json;

    @Override
    public Integer call() throws Exception {
        Graph g;
        PrintWriter out = spec.commandLine().getOut();
        if (source.model != null) {
            ImportedModel m = ModelFiles.load(source.model, ModelFiles.resolution(source.model, resolution),
                    HeadSpec.pretrained());
            g = m.graph();
            out.printf(Locale.ROOT, "model %s (weights sha256 %s)%n", m.modelName(), m.weightsSha256());
        } else {
            g = IrJson.read(readText(source.graph));
            out.printf(Locale.ROOT, "graph %s (from %s)%n", g.name(), source.graph);
        }
        Value in = g.inputs().get(0);
        out.printf(Locale.ROOT, "input %s%n", IrPrinter.type(in.type()));
        Map<String, Integer> kinds = new TreeMap<>();
        g.nodes().forEach(n -> kinds.merge(n.op().kind().irName(), 1, Integer::sum));
        out.printf(Locale.ROOT, "ops %d: %s%n", g.nodes().size(), kinds);
        long paramElems = 0;
        long paramBytes = 0;
        for (Parameter p : g.parameters()) {
            paramElems += p.value().type().elementCount();
            paramBytes += p.value().type().byteSize();
        }
        out.printf(Locale.ROOT, "parameters %d tensors, %,d elements, %,d bytes%n", g.parameters().size(), paramElems,
                paramBytes);
        out.printf(Locale.ROOT, "MACs %,d%n", g.macs());
        long largest = 0;
        String largestName = "";
        out.printf(Locale.ROOT, "%n%-4s %-26s %-16s %-22s %12s %12s%n", "#", "node", "op", "output", "bytes", "MACs");
        int i = 0;
        for (Node n : g.nodes()) {
            long bytes = n.output().type().byteSize();
            if (bytes > largest) {
                largest = bytes;
                largestName = n.name();
            }
            out.printf(Locale.ROOT, "%-4d %-26s %-16s %-22s %,12d %,12d%n", i++, n.name(), n.op().kind().irName(),
                    n.output().type().dtype().irName() + n.output().type().shape(), bytes, n.macs());
        }
        out.printf(Locale.ROOT, "%nlargest activation %,d bytes (%s)%n", largest, largestName);
        if (printIr) {
            out.println();
            out.print(IrPrinter.print(g));
        }
        if (json != null) {
            AtomicFiles.writeString(json, IrJson.write(g));
            out.printf(Locale.ROOT, "wrote %s%n", json);
        }
        out.flush();
        return 0;
    }

    private static String readText(Path file) {
        try {
            return java.nio.file.Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
