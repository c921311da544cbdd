package io.parkgate.bus;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Takes what a gate reports ({@code event.report}, docs/protocol.md §6) and answers once it is
 * durably stored: the controller package's one view of the gate-event store
 * ({@code io.parkgate.events.GateEventIntake}).
 */
public interface GateReports {

  /**
   * Stores the event the params describe for {@code parkId} (once: a repeated eventId is answered
   * the same and not stored again) and completes with the acknowledgement for the controller. Fails
   * with {@link IllegalArgumentException} (the params are wrong: do not resend) or a
   * {@link GatewayException} {@code STORE_UNAVAILABLE} (nothing was stored: send it again later).
   */
  Future<JsonObject> report(String parkId, JsonObject params);

  /** Refuses every report as unavailable (a node without an event store). */
  GateReports NONE = (parkId, params) -> Future.failedFuture(
      new GatewayException(ErrorCode.STORE_UNAVAILABLE, "this node stores no gate events"));
}
