package io.parkgate.http;

import io.parkgate.bus.Addresses;
import io.parkgate.bus.BusFailures;
import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.ControllerCall;
import io.parkgate.bus.GatewayException;
import io.parkgate.cluster.ParkDirectory;
import io.parkgate.bus.ParkEntry;
import io.parkgate.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP side's only way to reach a park. It looks the park up in the node's local view of the
 * directory (no cluster call: an offline park is answered at once) and sends the request to the
 * park's address ({@link Addresses#park}), request-reply with the caller's whole time budget as
 * the bound, aimed at the session the view names (its epoch); the bus takes it to the node the
 * directory names ({@code ParkNodeSelector}). A session that does not serve the park (superseded,
 * closed, still being admitted) answers PARK_MOVED: the client re-reads the directory and follows
 * the park, within what is left of the budget. Every failure is a GatewayException.
 */
final class ParkClient {

  /** A request follows a moving park at most this many times (bounded by its deadline anyway). */
  private static final int MAX_ATTEMPTS = 40;
  /** Pause before asking again for a session that is still being admitted. */
  private static final long NOT_READY_RETRY_MS = 25;

  private final EventBus bus;
  private final ParkDirectory directory;
  private final GatewayMetrics metrics;
  private final Vertx vertx;

  ParkClient(Vertx vertx, ParkDirectory directory, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
    this.directory = directory;
    this.metrics = metrics;
  }

  /** Forwards a JSON-RPC call to the park's controller and returns its (shape-checked) result. */
  Future<JsonObject> call(String parkId, String method, JsonObject params, long timeoutMs) {
    return send(ControllerCall.call(parkId, method, params, timeoutMs), timeoutMs, ErrorCode.GATE_OFFLINE);
  }

  /** Asks the park's session about itself; a park nobody serves fails with NOT_FOUND. */
  Future<JsonObject> status(String parkId, long timeoutMs) {
    return send(ControllerCall.status(parkId, timeoutMs), timeoutMs, ErrorCode.NOT_FOUND);
  }

  private Future<JsonObject> send(ControllerCall call, long timeoutMs, ErrorCode offline) {
    long start = System.nanoTime();
    long deadline = start + timeoutMs * 1_000_000;
    metrics.requestStarted();
    return directory.resolve(call.parkId())
        .compose(entry -> entry == null
            ? Future.failedFuture(new GatewayException(offline, "no controller is connected for this park"))
            : attempt(call, entry, deadline, 1, offline))
        .andThen(ar -> metrics.requestEnded(call.method() == null ? "status" : call.method(),
            ar.succeeded() ? null : ar.cause() instanceof GatewayException g ? g.code() : ErrorCode.INTERNAL_ERROR,
            System.nanoTime() - start));
  }

  private Future<JsonObject> attempt(ControllerCall call, ParkEntry entry, long deadline, int attempt, ErrorCode offline) {
    long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
    if (remainingMs <= 0) {
      return Future.failedFuture(new GatewayException(ErrorCode.GATE_TIMEOUT, "the gate did not answer in time"));
    }
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(remainingMs);
    return bus.<JsonObject>request(Addresses.park(call.parkId()), call.aimedAt(entry.epoch(), remainingMs).toJson(), options)
        .map(Message::body)
        .recover(failure -> {
          if (!moved(failure) || attempt >= MAX_ATTEMPTS) {
            return Future.failedFuture(movedToOffline(BusFailures.toGatewayException(failure, offline), offline));
          }
          return directory.fetch(call.parkId()).compose(now -> {
            if (now == null) {
              return Future.failedFuture(new GatewayException(offline, "no controller is connected for this park"));
            }
            ParkEntry seen = directory.lookup(call.parkId());
            if (now.epoch() != entry.epoch() && seen != null && seen.epoch() == now.epoch()) {
              return attempt(call, now, deadline, attempt + 1, offline);
            }
            // the directory names a session still being admitted (a takeover in progress), or one
            // whose release is on its way, or this node's view (which routes the message) has not
            // caught up with it yet: look again shortly, within the budget
            return vertx.timer(NOT_READY_RETRY_MS, TimeUnit.MILLISECONDS)
                .compose(v -> attempt(call, now, deadline, attempt + 1, offline));
          });
        });
  }

  /** The addressed instance no longer holds the session, or is gone altogether. */
  private static boolean moved(Throwable failure) {
    return failure instanceof ReplyException r
        && (r.failureType() == ReplyFailure.NO_HANDLERS
        || (r.failureType() == ReplyFailure.RECIPIENT_FAILURE && r.failureCode() == ErrorCode.PARK_MOVED.busCode()));
  }

  private static GatewayException movedToOffline(GatewayException e, ErrorCode offline) {
    return e.code() == ErrorCode.PARK_MOVED ? new GatewayException(offline, "no controller is connected for this park") : e;
  }
}
