package io.parkgate.protocol;

import io.vertx.core.json.JsonObject;

/**
 * The methods of controller protocol v1 and the shape checks of their results. A result that does
 * not have the documented shape is treated as a controller error, never passed on as is.
 */
public final class ControllerMethods {

  public static final String HELLO = "hello";
  public static final String PING = "ping";
  public static final String FEE_QUERY = "fee.query";
  public static final String PAYMENT_NOTIFY = "payment.notify";
  /** Controller → server: something happened at the gate (vehicle.entered, ...); answered once stored. */
  public static final String EVENT_REPORT = "event.report";
  /** Server → controller notification: close this connection and connect again (another node). */
  public static final String RECONNECT = "reconnect";

  private ControllerMethods() {
  }

  /** Whether the server may forward this method to a controller. */
  public static boolean isServerCall(String method) {
    return FEE_QUERY.equals(method) || PAYMENT_NOTIFY.equals(method);
  }

  /**
   * Checks a controller's result for a server call.
   *
   * @return null when the result is well formed, else the reason it is not
   */
  public static String checkResult(String method, Object result) {
    if (!(result instanceof JsonObject json)) {
      return "result must be an object";
    }
    switch (method) {
      case FEE_QUERY:
        if (!isInteger(json.getValue("amount")) || json.getLong("amount") < 0) {
          return "amount must be a non-negative integer (minor units)";
        }
        if (!(json.getValue("currency") instanceof String)) {
          return "currency must be a string";
        }
        return optionalString(json, "plate", "enteredAt");
      case PAYMENT_NOTIFY:
        return json.getValue("status") instanceof String ? null : "status must be a string";
      default:
        return null;
    }
  }

  private static String optionalString(JsonObject json, String... keys) {
    for (String key : keys) {
      Object v = json.getValue(key);
      if (v != null && !(v instanceof String)) {
        return key + " must be a string";
      }
    }
    return null;
  }

  static boolean isInteger(Object v) {
    return v instanceof Integer || v instanceof Long;
  }
}
