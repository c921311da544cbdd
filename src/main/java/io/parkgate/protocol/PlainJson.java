package io.parkgate.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.EncodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.util.Map;

/**
 * JSON objects to and from bytes through Vert.x's streaming Jackson codec, on the paths every
 * request takes (the JSON-RPC line both ways, the HTTP answer). With jackson-databind on the class
 * path, {@code JsonObject.toBuffer()} and {@code new JsonObject(Buffer)} go through an
 * {@code ObjectMapper}, which looks up a serializer or deserializer and its type key on every call;
 * the streaming codec walks the map itself. Same factory, same parser features, same bytes out and
 * values in (objects as maps, integers as Integer/Long/BigInteger, fractions as Double); a value the
 * streaming codec cannot write (anything but JSON's types, Instant, byte[], Buffer and enums) falls
 * back to the databind path, so nothing that encoded before fails now.
 */
public final class PlainJson {

  private static final JacksonCodec STREAMING = new JacksonCodec();

  private PlainJson() {
  }

  /** @throws DecodeException or ClassCastException when {@code json} is not one JSON object */
  @SuppressWarnings("unchecked")
  public static JsonObject parseObject(Buffer json) {
    Map<String, Object> map = STREAMING.fromBuffer(json, Map.class);
    if (map == null) {
      throw new DecodeException("null is not a JSON object");
    }
    return new JsonObject(map);
  }

  public static Buffer toBuffer(JsonObject json) {
    try {
      return STREAMING.toBuffer(json, false);
    } catch (EncodeException notPlain) {
      return json.toBuffer();
    }
  }
}
