package dev.tinytrain.search;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The outcome of one trial: one line of a records file ({@code tinytrain-contribution-trial/1}, JSON lines).
 *
 * @param study the analysis's {@linkplain AnalysisSettings#studyKey study key} (model, data, settings)
 * @param spec the trial
 * @param correct test images predicted correctly after training
 * @param total test images evaluated
 * @param meanLoss mean training loss over the finite losses (NaN when none)
 * @param nonFiniteLosses steps whose loss was NaN or infinite
 * @param sramTotalBytes SRAM total of the trial's compiled step (compiled for the host: no stack reserve;
 *     information about the trial, the search compiles for its target)
 * @param compileMillis wall time of compiling the step (information only, not part of the outcome)
 * @param trainMillis wall time of training (information only)
 * @param evalMillis wall time of the evaluation (information only)
 */
public record TrialRecord(String study, TrialSpec spec, int correct, int total, double meanLoss, long nonFiniteLosses,
                          long sramTotalBytes, long compileMillis, long trainMillis, long evalMillis) {
    /** The value of each line's {@code format} field. */
    public static final String FORMAT = "tinytrain-contribution-trial/1";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The key of a trial in a records file: study and trial id. */
    public static String key(String study, TrialSpec spec) {
        return study + "/" + spec.id();
    }

    /** This record's key. */
    public String key() {
        return key(study, spec);
    }

    /** Test accuracy in percent. */
    public double accuracy() {
        return 100.0 * correct / total;
    }

    /** Wall time of the whole trial in milliseconds. */
    public long millis() {
        return compileMillis + trainMillis + evalMillis;
    }

    /** The same outcome (everything but the wall times). */
    public boolean sameOutcome(TrialRecord o) {
        return study.equals(o.study) && spec.equals(o.spec) && correct == o.correct && total == o.total
                && Double.compare(meanLoss, o.meanLoss) == 0 && nonFiniteLosses == o.nonFiniteLosses
                && sramTotalBytes == o.sramTotalBytes;
    }

    /** One JSON line (no newline). */
    public String toJsonLine() {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT);
        o.put("key", key());
        o.put("study", study);
        o.put("kind", spec.kind().name().toLowerCase(java.util.Locale.ROOT));
        o.put("biasWindow", spec.biasWindow());
        o.put("layer", spec.layer());
        o.put("ratio", spec.ratio());
        o.put("repeat", spec.repeat());
        o.put("correct", correct);
        o.put("total", total);
        if (Double.isFinite(meanLoss)) {
            o.put("meanLoss", meanLoss);
        } else {
            o.putNull("meanLoss");
        }
        o.put("nonFiniteLosses", nonFiniteLosses);
        o.put("sramTotalBytes", sramTotalBytes);
        o.put("compileMillis", compileMillis);
        o.put("trainMillis", trainMillis);
        o.put("evalMillis", evalMillis);
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses one line.
     *
     * @throws IllegalArgumentException naming the field at fault
     */
    public static TrialRecord parse(String line) {
        JsonNode o;
        try {
            o = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage());
        }
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("a trial record must be a JSON object");
        }
        JsonNode format = o.get("format");
        if (format == null || !FORMAT.equals(format.asText())) {
            throw new IllegalArgumentException("format: must be \"" + FORMAT + "\", got " + format);
        }
        String kind = text(o, "kind");
        TrialSpec.Kind k;
        try {
            k = TrialSpec.Kind.valueOf(kind.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("kind: must be head, bias or weight, got \"" + kind + "\"");
        }
        TrialSpec spec;
        try {
            spec = new TrialSpec(k, integer(o, "biasWindow"), integer(o, "layer"), number(o, "ratio"),
                    integer(o, "repeat"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("trial: " + e.getMessage());
        }
        JsonNode loss = o.get("meanLoss");
        if (loss == null) {
            throw new IllegalArgumentException("meanLoss: missing");
        }
        TrialRecord r = new TrialRecord(text(o, "study"), spec, integer(o, "correct"), integer(o, "total"),
                loss.isNull() ? Double.NaN : number(o, "meanLoss"), integer(o, "nonFiniteLosses"),
                integer(o, "sramTotalBytes"), integer(o, "compileMillis"), integer(o, "trainMillis"),
                integer(o, "evalMillis"));
        if (r.total < 1 || r.correct < 0 || r.correct > r.total) {
            throw new IllegalArgumentException("correct/total: " + r.correct + "/" + r.total + " is not a count of"
                    + " test images");
        }
        JsonNode key = o.get("key");
        if (key != null && !key.asText().equals(r.key())) {
            throw new IllegalArgumentException("key: \"" + key.asText() + "\" disagrees with the record's study and"
                    + " trial (" + r.key() + ")");
        }
        return r;
    }

    private static String text(JsonNode o, String f) {
        JsonNode v = o.get(f);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(f + ": must be a string, got " + v);
        }
        return v.textValue();
    }

    private static int integer(JsonNode o, String f) {
        JsonNode v = o.get(f);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException(f + ": must be an integer, got " + v);
        }
        return v.intValue();
    }

    private static double number(JsonNode o, String f) {
        JsonNode v = o.get(f);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException(f + ": must be a number, got " + v);
        }
        return v.doubleValue();
    }
}
