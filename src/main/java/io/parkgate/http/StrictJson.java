package io.parkgate.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one parser of HTTP request bodies: RFC 8259 JSON and nothing more. Vert.x's own
 * {@code JsonObject} parsing lets the last of two equal keys win, so {@code {"amount":1,"amount":999}}
 * would mean 999 to us and possibly 1 to a proxy or log reader; here it is a 400 BAD_REQUEST, as are
 * comments, trailing commas, single quotes, unquoted names, NaN/Infinity, leading zeros, control
 * characters in strings and anything after the value. A negative zero integer ({@code -0}) is valid
 * JSON but refused too: the only integers in our bodies are amounts, and a sign on zero there is a
 * client bug or a probe, never a payment.
 */
final class StrictJson {

  /**
   * Jackson's defaults already refuse all of these; they are switched off one by one anyway, so that
   * a changed default cannot loosen us (and not with the varargs {@code disable(first, others...)}
   * of JsonFactoryBuilder, which in jackson-core 2.x <em>enables</em> the others).
   */
  private static final List<JsonReadFeature> LENIENCIES = List.of(JsonReadFeature.ALLOW_JAVA_COMMENTS,
      JsonReadFeature.ALLOW_YAML_COMMENTS, JsonReadFeature.ALLOW_TRAILING_COMMA, JsonReadFeature.ALLOW_MISSING_VALUES,
      JsonReadFeature.ALLOW_SINGLE_QUOTES, JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES,
      JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS, JsonReadFeature.ALLOW_LEADING_ZEROS_FOR_NUMBERS,
      JsonReadFeature.ALLOW_LEADING_DECIMAL_POINT_FOR_NUMBERS, JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS,
      JsonReadFeature.ALLOW_BACKSLASH_ESCAPING_ANY_CHARACTER);

  private static final JsonFactory FACTORY = strictFactory();

  private static JsonFactory strictFactory() {
    JsonFactoryBuilder builder = new JsonFactoryBuilder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
    LENIENCIES.forEach(builder::disable);
    return builder.build();
  }

  private StrictJson() {
  }

  /** The body as a JSON object; a BAD_REQUEST for anything else (including an empty body). */
  static JsonObject parseObject(Buffer body) {
    if (body == null || body.length() == 0) {
      throw ApiVerticle.badRequest("a JSON object body is required");
    }
    try (JsonParser parser = FACTORY.createParser(body.getBytes())) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw ApiVerticle.badRequest("the body is not a JSON object");
      }
      Map<String, Object> object = readObject(parser);
      if (parser.nextToken() != null) {
        throw ApiVerticle.badRequest("the body has data after its JSON object");
      }
      return new JsonObject(object);
    } catch (JsonProcessingException e) {
      throw ApiVerticle.badRequest("the body is not strict JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiVerticle.badRequest("the body could not be read as JSON");
    }
  }

  private static Map<String, Object> readObject(JsonParser parser) throws IOException {
    Map<String, Object> object = new LinkedHashMap<>();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      parser.nextToken();
      object.put(name, readValue(parser));
    }
    return object;
  }

  private static List<Object> readArray(JsonParser parser) throws IOException {
    List<Object> array = new ArrayList<>();
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      array.add(readValue(parser));
    }
    return array;
  }

  private static Object readValue(JsonParser parser) throws IOException {
    return switch (parser.currentToken()) {
      case START_OBJECT -> new JsonObject(readObject(parser));
      case START_ARRAY -> new JsonArray(readArray(parser));
      case VALUE_STRING -> parser.getText();
      case VALUE_NUMBER_INT -> {
        if (parser.getText().equals("-0")) {
          throw ApiVerticle.badRequest("-0 is not accepted as an integer");
        }
        yield parser.getNumberValue();
      }
      case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> throw ApiVerticle.badRequest("unexpected JSON token " + parser.currentToken());
    };
  }
}
