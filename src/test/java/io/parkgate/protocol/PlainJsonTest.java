package io.parkgate.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The streaming codec must be byte for byte and value for value what JsonObject's databind path gives. */
class PlainJsonTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "{}",
      "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"amount\":1250,\"currency\":\"EUR\",\"since\":\"2026-12-03T10:00:00Z\"}}",
      "{\"a\":-0.5,\"b\":1e300,\"c\":12345678901234,\"d\":123456789012345678901234567890,\"e\":true,\"f\":null}",
      "{\"nested\":{\"list\":[1,\"two\",{\"three\":[]},[null,false]]},\"empty\":{}}",
      "{\"text\":\"quote \\\" backslash \\\\ tab \\t newline \\n unicode \\u00e9 \\ud83d\\ude97 control \\u0001\"}",
      "{\"dup\":1,\"dup\":2}",
      "{\"x\":1 /* a comment, as Vert.x's own parser allows */}"
  })
  void readsAndWritesWhatTheDatabindPathDoes(String text) {
    Buffer bytes = Buffer.buffer(text);
    JsonObject databind = new JsonObject(bytes);
    JsonObject plain = PlainJson.parseObject(bytes);

    assertThat(plain).isEqualTo(databind);
    assertThat(types(plain)).isEqualTo(types(databind));
    assertThat(PlainJson.toBuffer(plain).toString()).isEqualTo(databind.toBuffer().toString());
  }

  @Test
  void writesVertxsExtraTypesLikeTheDatabindPath() {
    JsonObject json = new JsonObject().put("at", Instant.parse("2026-12-03T10:00:00.123Z"))
        .put("bytes", new byte[] {1, 2, 3}).put("big", BigInteger.TEN.pow(30)).put("list", new JsonArray().add(1.5f));

    assertThat(PlainJson.toBuffer(json).toString()).isEqualTo(json.toBuffer().toString());
  }

  @Test
  void aValueOnlyDatabindCanWriteStillEncodes() {
    JsonObject json = new JsonObject().put("pojo", new Pojo("x"));

    assertThat(PlainJson.toBuffer(json).toString()).isEqualTo(json.toBuffer().toString()).contains("\"name\":\"x\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"null", "[]", "42", "\"s\"", "{", "{\"a\":1} trailing", "{}{}"})
  void refusesAnythingButOneObject(String text) {
    assertThatThrownBy(() -> PlainJson.parseObject(Buffer.buffer(text)))
        .isInstanceOfAny(DecodeException.class, ClassCastException.class);
  }

  private static java.util.List<String> types(JsonObject json) {
    return json.getMap().values().stream().map(v -> v == null ? "null" : v.getClass().getName()).toList();
  }

  /** A bean: only databind writes it. */
  public record Pojo(String name) {
  }
}
