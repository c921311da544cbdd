package io.parkgate.bus;

import io.vertx.core.json.JsonObject;

/**
 * The body of a request sent to a park's address: either a call forwarded to the controller
 * ({@link #OP_CALL}) or a question about the session itself ({@link #OP_STATUS}) that the session
 * answers without touching the controller.
 *
 * @param op        {@link #OP_CALL} or {@link #OP_STATUS}
 * @param method    the JSON-RPC method for a call, e.g. {@code fee.query}
 * @param params    the method's params (never null)
 * @param timeoutMs how long the session waits for the controller
 */
public record GateCall(String op, String method, JsonObject params, long timeoutMs) {

  public static final String OP_CALL = "call";
  public static final String OP_STATUS = "status";

  public static GateCall call(String method, JsonObject params, long timeoutMs) {
    return new GateCall(OP_CALL, method, params, timeoutMs);
  }

  public static GateCall status(long timeoutMs) {
    return new GateCall(OP_STATUS, null, new JsonObject(), timeoutMs);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("op", op).put("timeoutMs", timeoutMs);
    if (method != null) {
      json.put("method", method).put("params", params);
    }
    return json;
  }

  public static GateCall fromJson(JsonObject json) {
    JsonObject params = json.getJsonObject("params");
    return new GateCall(json.getString("op"), json.getString("method"),
        params == null ? new JsonObject() : params, json.getLong("timeoutMs", 0L));
  }
}
