package dev.tinytrain.tests.hostile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hashing;
import dev.tinytrain.ir.SharedFolder;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** The folder a hostile case runs in, and the means to build its inputs. */
final class Work {
    static final ObjectMapper JSON = new ObjectMapper();
    final Path dir;

    Work(Path dir) {
        this.dir = dir;
    }

    /** {@code dir/name} as an absolute path string. */
    String at(String name) {
        return dir.resolve(name).toAbsolutePath().toString();
    }

    /** A copy of the mbv2-w0.35 model (the smallest) as {@code dir/m}. */
    String model() throws IOException {
        Path src = SharedFolder.require().resolve("models/mbv2-w0.35");
        Path m = dir.resolve("m");
        if (!Files.exists(m)) {
            Files.createDirectories(m);
            Files.copy(src.resolve("model.json"), m.resolve("model.json"));
            Files.copy(src.resolve("weights.bin"), m.resolve("weights.bin"));
        }
        return m.toAbsolutePath().toString();
    }

    /** The model with its {@code model.json} edited as a tree. */
    String model(Consumer<ObjectNode> edit) throws IOException {
        String m = model();
        Path f = Path.of(m, "model.json");
        ObjectNode root = (ObjectNode) JSON.readTree(f.toFile());
        edit.accept(root);
        Files.writeString(f, JSON.writeValueAsString(root));
        return m;
    }

    /** The model with {@code model.json}'s text edited. */
    String modelText(java.util.function.UnaryOperator<String> edit) throws IOException {
        String m = model();
        Path f = Path.of(m, "model.json");
        String s = Files.readString(f);
        String t = edit.apply(s);
        if (t.equals(s)) {
            throw new IllegalStateException("fixture edit did not apply");
        }
        Files.writeString(f, t);
        return m;
    }

    /** The model with the float32 at array reference {@code ref}[{@code index}] of weights.bin set, sha256 updated. */
    String modelFloat(String ref, int index, float value) throws IOException {
        String m = model();
        Path jf = Path.of(m, "model.json");
        ObjectNode root = (ObjectNode) JSON.readTree(jf.toFile());
        JsonNode r = node(root, ref);
        Path wf = Path.of(m, "weights.bin");
        byte[] w = Files.readAllBytes(wf);
        ByteBuffer.wrap(w).order(ByteOrder.LITTLE_ENDIAN).putFloat(r.get("offset").intValue() + 4 * index, value);
        Files.write(wf, w);
        ((ObjectNode) root.get("weights")).put("sha256", Hashing.sha256().hashBytes(w).toString());
        Files.writeString(jf, JSON.writeValueAsString(root));
        return m;
    }

    /** The node at a path such as {@code blocks[2].depthwise.params}. */
    static JsonNode node(JsonNode root, String path) {
        JsonNode n = root;
        for (String part : path.split("\\.")) {
            int b = part.indexOf('[');
            if (b >= 0) {
                n = n.get(part.substring(0, b)).get(Integer.parseInt(part.substring(b + 1, part.length() - 1)));
            } else {
                n = n.get(part);
            }
        }
        return n;
    }

    /** Sets {@code path.key} (the last part) to {@code value}. */
    static void set(ObjectNode root, String path, JsonNode value) {
        int dot = path.lastIndexOf('.');
        ObjectNode parent = (ObjectNode) (dot < 0 ? root : node(root, path.substring(0, dot)));
        parent.set(path.substring(dot + 1), value);
    }

    static ArrayNode array(long... values) {
        ArrayNode a = JSON.createArrayNode();
        for (long v : values) {
            a.add(v);
        }
        return a;
    }

    String file(String name, String text) throws IOException {
        return file(name, text.getBytes(StandardCharsets.UTF_8));
    }

    String file(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.write(p, bytes);
        return p.toAbsolutePath().toString();
    }

    String folder(String name) throws IOException {
        return Files.createDirectories(dir.resolve(name)).toAbsolutePath().toString();
    }

    /** A named pipe nobody writes to: reading it would block forever. */
    String fifo(String name) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        try {
            Process pr = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
            if (pr.waitFor() != 0) {
                throw new IOException("mkfifo failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return p.toAbsolutePath().toString();
    }

    /** A sparse file of {@code bytes} bytes (no disk space used). */
    String sparse(String name, long bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(bytes);
        }
        return p.toAbsolutePath().toString();
    }

    String link(String name, String target) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.createSymbolicLink(p, Path.of(target));
        return p.toAbsolutePath().toString();
    }

    String hardLink(String name, String existing) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.createLink(p, Path.of(existing));
        return p.toAbsolutePath().toString();
    }

    /** The copy of a golden pair ({@code forward_0} of mbv2) with its JSON edited. */
    String golden(Consumer<ObjectNode> edit) throws IOException {
        Path src = SharedFolder.require().resolve("golden/mbv2-w0.35");
        Path g = Files.createDirectories(dir.resolve("golden"));
        Files.copy(src.resolve("forward_0.bin"), g.resolve("forward_0.bin"));
        ObjectNode root = (ObjectNode) JSON.readTree(src.resolve("forward_0.json").toFile());
        root.put("model_files", "../m/model.json");
        model();
        edit.accept(root);
        Files.writeString(g.resolve("forward_0.json"), JSON.writeValueAsString(root));
        return g.resolve("forward_0.json").toAbsolutePath().toString();
    }
}
