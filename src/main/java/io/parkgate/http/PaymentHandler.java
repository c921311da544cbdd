package io.parkgate.http;

import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.GatewayException;
import io.parkgate.cluster.PaymentLedger;
import io.parkgate.protocol.ControllerMethods;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/** Payments: nothing lost, nothing doubled (see {@link #handle}). */
final class PaymentHandler {

  /** A payment claim outlives the longest request by this much if its node dies mid-flight. */
  static final long PENDING_SLACK_MS = 5_000;

  private final ParkClient parks;
  private final PaymentLedger ledger;
  private final String nodeId;
  private final long maxTimeoutMs;

  PaymentHandler(ParkClient parks, PaymentLedger ledger, String nodeId, long maxTimeoutMs) {
    this.parks = parks;
    this.ledger = ledger;
    this.nodeId = nodeId;
    this.maxTimeoutMs = maxTimeoutMs;
  }

  /**
   * {@code POST /api/v1/parks/{parkId}/payments}, idempotent on paymentId across the cluster: the
   * first request claims the paymentId and notifies the gate; a retry while it is in flight joins
   * it; a retry after a definite answer (200, 501, 502) gets that answer again; anything else
   * (timeout, connection lost, not delivered) releases the claim and tells the caller the outcome
   * so it can retry with the same paymentId.
   */
  void handle(RoutingContext ctx, String parkId, long timeout, JsonObject body) {
    Object paymentId = body.getValue("paymentId");
    Object amount = body.getValue("amount");
    if (!(paymentId instanceof String id) || id.isEmpty() || id.length() > 128) {
      throw ApiVerticle.badRequest("paymentId must be a string of 1 to 128 characters");
    }
    if (!(amount instanceof Integer || amount instanceof Long) || ((Number) amount).longValue() < 0) {
      throw ApiVerticle.badRequest("amount must be a non-negative integer in minor units");
    }
    long fen = ((Number) amount).longValue();
    JsonObject params = new JsonObject().put("paymentId", id).put("amount", fen);
    ApiVerticle.putOptional(params, "lane", ApiVerticle.optionalString(body, "lane"));
    ApiVerticle.putOptional(params, "plate", ApiVerticle.optionalString(body, "plate"));
    long deadline = System.nanoTime() + timeout * 1_000_000;
    JsonObject record = new JsonObject().put("parkId", parkId).put("amount", fen)
        .put("owner", nodeId + "/" + UUID.randomUUID());
    ledger.claim(id, record, maxTimeoutMs + PENDING_SLACK_MS)
        .compose(claim -> claim.mine()
            ? notifyGate(id, parkId, params, record, timeout)
            : joinOrReplay(id, parkId, fen, claim.existing(), deadline))
        .onSuccess(answer -> ApiVerticle.json(ctx, answer.getInteger("status"), answer.getJsonObject("body")))
        .onFailure(ctx::fail);
  }

  private Future<JsonObject> notifyGate(String id, String parkId, JsonObject params, JsonObject record, long timeout) {
    return parks.call(parkId, ControllerMethods.PAYMENT_NOTIFY, params, timeout)
        .map(result -> new JsonObject().put("status", 200)
            .put("body", result.copy().put("parkId", parkId).put("paymentId", id)))
        .recover(failure -> {
          GatewayException e = failure instanceof GatewayException g ? g
              : new GatewayException(ErrorCode.INTERNAL_ERROR, String.valueOf(failure.getMessage()));
          if (e.code() == ErrorCode.GATE_ERROR || e.code() == ErrorCode.NOT_SUPPORTED) {
            return Future.succeededFuture(new JsonObject().put("status", e.code().httpStatus())
                .put("body", e.toJson().put("paymentId", id)));
          }
          // not a definite answer: free the paymentId for a retry, and say what we know
          String outcome = e.details() != null && e.details().getString("outcome") != null
              ? e.details().getString("outcome")
              : notDelivered(e.code()) ? "not_delivered" : "unknown";
          JsonObject details = (e.details() == null ? new JsonObject() : e.details().copy())
              .put("outcome", outcome).put("paymentId", id);
          return ledger.release(id, record.getString("owner")).otherwiseEmpty()
              .compose(v -> Future.failedFuture(new GatewayException(e.code(), e.getMessage(), details)));
        })
        .compose(answer -> ledger.complete(id, record, answer.getInteger("status"), answer.getJsonObject("body"))
            .otherwiseEmpty()
            .map(answer));
  }

  /** Failures that prove the notification never reached the gate. */
  private static boolean notDelivered(ErrorCode code) {
    return code == ErrorCode.GATE_OFFLINE || code == ErrorCode.GATE_UNRESPONSIVE || code == ErrorCode.GATE_BUSY;
  }

  private Future<JsonObject> joinOrReplay(String id, String parkId, long amount, JsonObject existing, long deadline) {
    if (!parkId.equals(existing.getString("parkId")) || amount != existing.getLong("amount", -1L)) {
      return Future.failedFuture(new GatewayException(ErrorCode.PAYMENT_CONFLICT,
          "paymentId " + id + " was already used for a different park or amount",
          new JsonObject().put("paymentId", id)));
    }
    Future<JsonObject> done = PaymentLedger.isDone(existing)
        ? Future.succeededFuture(existing)
        : ledger.awaitDone(id, deadline);
    return done.compose(record -> record == null
        ? Future.failedFuture(new GatewayException(ErrorCode.GATE_TIMEOUT,
            "an earlier request with this paymentId has no definite answer yet",
            new JsonObject().put("outcome", "unknown").put("paymentId", id)))
        : Future.succeededFuture(new JsonObject().put("status", record.getInteger("status"))
            .put("body", record.getJsonObject("body").copy().put("replayed", true))));
  }

}
