package io.parkgate.bus;

import io.vertx.core.json.JsonObject;

/**
 * A typed failure that reaches the HTTP caller as {@code {"error": CODE, "message": ..., ...details}}
 * with the status of its {@link ErrorCode}. It carries no stack trace: it is an answer, not a bug.
 */
public final class GatewayException extends RuntimeException {

  private final ErrorCode code;
  private final JsonObject details;

  public GatewayException(ErrorCode code, String message) {
    this(code, message, null);
  }

  public GatewayException(ErrorCode code, String message, JsonObject details) {
    super(message, null, false, false);
    this.code = code;
    this.details = details;
  }

  public ErrorCode code() {
    return code;
  }

  /** Extra fields for the JSON body (for example the controller's own error code), or null. */
  public JsonObject details() {
    return details;
  }

  /** The JSON error body the HTTP side answers with. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("error", code.name()).put("message", getMessage());
    if (details != null) {
      json.mergeIn(details);
    }
    return json;
  }
}
