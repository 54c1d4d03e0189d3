package dev.tinytrain.ir.json;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Locale;

/**
 * How every tinytrain JSON input (model.json, IR JSON, policies, goldens) is parsed: a duplicate key and any
 * content after the first JSON value are errors, and parse errors are described in words with their line and
 * column, without Jackson's class names or source descriptions.
 */
public final class StrictJson {
    private StrictJson() {
    }

    /** A mapper that refuses duplicate keys and trailing content. */
    public static ObjectMapper mapper() {
        return builder().build();
    }

    /** The same, also accepting {@code NaN} and {@code Infinity} (so a NaN scale is reported by its field). */
    public static ObjectMapper mapperAllowingNonFinite() {
        return builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    }

    private static JsonMapper.Builder builder() {
        return JsonMapper.builder()
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** A parse error in words, e.g. {@code trailing content after the first JSON value (line 3, column 2)}. */
    public static String describe(JsonProcessingException e) {
        String m = e.getOriginalMessage() == null ? "malformed JSON" : e.getOriginalMessage();
        if (m.startsWith("Trailing token")) {
            m = "trailing content after the first JSON value";
        }
        m = m.lines().findFirst().orElse(m)
                .replaceAll("\\s*\\(start marker at \\[Source:[^\\]]*\\]\\)", "")
                .replaceAll("\\[Source:[^\\]]*\\]", "")
                .trim();
        // Jackson names its own settings in backticks ("enable `JsonReadFeature.X` to allow"): keep the words
        // before that clause, which say what is wrong
        int tick = m.indexOf('`');
        if (tick >= 0) {
            int cut = Math.max(m.lastIndexOf(':', tick), m.lastIndexOf(',', tick));
            m = m.substring(0, cut > 0 ? cut : tick).trim();
            if (m.chars().filter(ch -> ch == '(').count() > m.chars().filter(ch -> ch == ')').count()) {
                m += ")";
            }
        }
        JsonLocation at = e.getLocation();
        if (at != null && at.getLineNr() > 0) {
            m += String.format(Locale.ROOT, " (line %d, column %d)", at.getLineNr(), at.getColumnNr());
        }
        return m;
    }
}
