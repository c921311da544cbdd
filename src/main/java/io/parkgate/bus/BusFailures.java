package io.parkgate.bus;

import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * The two directions of one mapping: a {@link GatewayException} failing a bus message on the controller
 * side, and whatever a bus request failed with turned back into a {@link GatewayException} on the
 * HTTP side. The failure message travels as JSON so details (the controller's own error code) survive
 * the trip between nodes.
 */
public final class BusFailures {

  private BusFailures() {
  }

  public static void fail(Message<?> message, GatewayException error) {
    JsonObject body = new JsonObject().put("message", error.getMessage());
    if (error.details() != null) {
      body.put("details", error.details());
    }
    message.fail(error.code().busCode(), body.encode());
  }

  public static void fail(Message<?> message, ErrorCode code, String text) {
    fail(message, new GatewayException(code, text));
  }

  /**
   * Maps the failure of a bus request to a park address.
   *
   * @param offline the code to answer when nobody consumes the address (GATE_OFFLINE for calls,
   *                NOT_FOUND for the status endpoint)
   */
  public static GatewayException toGatewayException(Throwable failure, ErrorCode offline) {
    if (failure instanceof GatewayException g) {
      return g;
    }
    if (!(failure instanceof ReplyException reply)) {
      return new GatewayException(ErrorCode.INTERNAL_ERROR, "unexpected failure: " + failure);
    }
    switch (reply.failureType()) {
      case NO_HANDLERS:
        return new GatewayException(offline, "no controller is connected for this park");
      case TIMEOUT:
        return new GatewayException(ErrorCode.GATE_TIMEOUT, "the gate did not answer in time");
      case RECIPIENT_FAILURE:
        ErrorCode code = ErrorCode.fromBusCode(reply.failureCode());
        if (code == null) {
          return new GatewayException(ErrorCode.INTERNAL_ERROR, "recipient failed: " + reply.getMessage());
        }
        return decode(code, reply.getMessage());
      default:
        return new GatewayException(ErrorCode.INTERNAL_ERROR, "event bus error: " + reply.getMessage());
    }
  }

  private static GatewayException decode(ErrorCode code, String text) {
    try {
      JsonObject body = new JsonObject(text);
      return new GatewayException(code, body.getString("message", code.name()), body.getJsonObject("details"));
    } catch (DecodeException | ClassCastException | NullPointerException e) {
      return new GatewayException(code, text == null ? code.name() : text);
    }
  }
}
