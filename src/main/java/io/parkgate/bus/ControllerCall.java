package io.parkgate.bus;

import io.vertx.core.json.JsonObject;

/**
 * The body of a request sent to a park's address: either a call forwarded to the controller
 * ({@link #OP_CALL}) or a question about the session itself ({@link #OP_STATUS}) that the session
 * answers without touching the controller.
 *
 * @param op        {@link #OP_CALL} or {@link #OP_STATUS}
 * @param parkId    the park
 * @param epoch     the session the sender expects to reach; 0 = whichever holds the park
 * @param method    the JSON-RPC method for a call, e.g. {@code fee.query}
 * @param params    the method's params (never null)
 * @param timeoutMs how long the session waits for the controller
 */
public record ControllerCall(String op, String parkId, long epoch, String method, JsonObject params, long timeoutMs) {

  public static final String OP_CALL = "call";
  public static final String OP_STATUS = "status";

  public static ControllerCall call(String parkId, String method, JsonObject params, long timeoutMs) {
    return new ControllerCall(OP_CALL, parkId, 0, method, params, timeoutMs);
  }

  public static ControllerCall status(String parkId, long timeoutMs) {
    return new ControllerCall(OP_STATUS, parkId, 0, null, new JsonObject(), timeoutMs);
  }

  /** The same call aimed at one session (epoch) with what is left of the time budget. */
  public ControllerCall aimedAt(long sessionEpoch, long remainingMs) {
    return new ControllerCall(op, parkId, sessionEpoch, method, params, remainingMs);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("op", op).put("parkId", parkId).put("timeoutMs", timeoutMs);
    if (epoch != 0) {
      json.put("epoch", epoch);
    }
    if (method != null) {
      json.put("method", method).put("params", params);
    }
    return json;
  }

  public static ControllerCall fromJson(JsonObject json) {
    JsonObject params = json.getJsonObject("params");
    return new ControllerCall(json.getString("op"), json.getString("parkId"), json.getLong("epoch", 0L),
        json.getString("method"), params == null ? new JsonObject() : params, json.getLong("timeoutMs", 0L));
  }
}
