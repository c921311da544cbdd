package io.parkgate.http;

import io.parkgate.bus.Addresses;
import io.parkgate.bus.BusFailures;
import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.GateCall;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * The HTTP side's only way to reach a park: a request-reply on the park's address with a bounded
 * send timeout. Every failure comes back as a {@code GatewayException}.
 */
final class ParkClient {

  private final EventBus bus;

  ParkClient(EventBus bus) {
    this.bus = bus;
  }

  /** Forwards a JSON-RPC call to the park's controller and returns its (shape-checked) result. */
  Future<JsonObject> call(String parkId, String method, JsonObject params, long timeoutMs) {
    return request(parkId, GateCall.call(method, params, timeoutMs), timeoutMs, ErrorCode.GATE_OFFLINE);
  }

  /** Asks the park's session about itself; a park nobody serves fails with NOT_FOUND. */
  Future<JsonObject> status(String parkId, long timeoutMs) {
    return request(parkId, GateCall.status(timeoutMs), timeoutMs, ErrorCode.NOT_FOUND);
  }

  private Future<JsonObject> request(String parkId, GateCall call, long timeoutMs, ErrorCode offline) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs);
    return bus.<JsonObject>request(Addresses.park(parkId), call.toJson(), options)
        .map(Message::body)
        .recover(failure -> Future.failedFuture(BusFailures.toGatewayException(failure, offline)));
  }
}
