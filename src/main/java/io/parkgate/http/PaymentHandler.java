package io.parkgate.http;

import io.parkgate.bus.Addresses;
import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.GatewayException;
import io.parkgate.bus.ParkEntry;
import io.parkgate.cluster.ParkDirectory;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.payments.Payment;
import io.parkgate.payments.PaymentCourier;
import io.parkgate.payments.PaymentState;
import io.parkgate.payments.PaymentStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The payment endpoints. A payment is recorded first (one record per paymentId cluster-wide, in
 * the payment store) and then delivered by the courier of the node holding the park's session,
 * at least once, until the gate confirms it or its validity ends (see {@link PaymentCourier}). The
 * POST waits up to its {@code timeoutMs} for that: confirmed in time answers 200 as before;
 * otherwise 202 with the record's state and a {@code Location}, and the payment goes on.
 */
final class PaymentHandler {

  static final int MAX_PAGE = 500;

  private final Vertx vertx;
  private final PaymentStore store;
  private final ParkDirectory directory;
  private final ParkgateConfig config;
  private final GatewayMetrics metrics;

  PaymentHandler(Vertx vertx, PaymentStore store, ParkDirectory directory, ParkgateConfig config,
      GatewayMetrics metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.store = store;
    this.directory = directory;
    this.config = config;
  }

  /** {@code POST /api/v1/parks/{parkId}/payments}. */
  void handlePost(RoutingContext ctx, String parkId, long timeoutMs, JsonObject body) {
    Object paymentId = body.getValue("paymentId");
    Object amount = body.getValue("amount");
    if (!(paymentId instanceof String id) || id.isEmpty() || id.length() > 128) {
      throw ApiVerticle.badRequest("paymentId must be a string of 1 to 128 characters");
    }
    if (!(amount instanceof Integer || amount instanceof Long) || ((Number) amount).longValue() < 0) {
      throw ApiVerticle.badRequest("amount must be a non-negative integer in minor units");
    }
    Object validFor = body.getValue("validForS", config.paymentDefaultValidForS());
    if (!(validFor instanceof Integer || validFor instanceof Long) || ((Number) validFor).longValue() < 1
        || ((Number) validFor).longValue() > config.paymentMaxValidForS()) {
      throw ApiVerticle.badRequest("validForS must be an integer from 1 to " + config.paymentMaxValidForS());
    }
    String lane = checked(body, "lane");
    String plate = checked(body, "plate");
    long now = System.currentTimeMillis();
    Payment accepted = Payment.accepted(id, parkId, ((Number) amount).longValue(), lane, plate, now,
        now + ((Number) validFor).longValue() * 1000, directory.nodeId());
    store.insert(accepted)
        .recover(failure -> afterFailedInsert(accepted, failure))
        .andThen(ar -> {
          if (ar.succeeded() && ar.result().created()) {
            metrics.paymentAccepted(config.paymentStore());
          }
        })
        .compose(inserted -> inserted.created()
            ? deliverNow(inserted.payment(), timeoutMs).map(p -> answer(ctx, p, false))
            : retry(accepted, inserted.payment())
                .compose(p -> p.state().isFinal() ? Future.succeededFuture(p) : deliverNow(p, timeoutMs))
                .map(p -> answer(ctx, p, true)))
        .onFailure(ctx::fail);
  }

  /**
   * An accepting write failed. If it timed out it may still land (a Hazelcast operation queued
   * behind a frozen member, an INSERT the database commits late) and the payment would then be
   * delivered although the payer was told it was not recorded: so the record is read back once; if
   * it is there, the POST goes on as a retry of it; if not (or the read fails too), a timeout is
   * answered 503 {@code PAYMENT_OUTCOME_UNKNOWN} (read it back, or POST again with the same
   * paymentId), and only a write that failed without timing out is {@code STORE_UNAVAILABLE}.
   * Found by bench/faults (sigstop).
   */
  private Future<PaymentStore.Inserted> afterFailedInsert(Payment accepted, Throwable failure) {
    if (!PaymentStore.timedOut(failure)) {
      return Future.failedFuture(failure);
    }
    GatewayException unknown = new GatewayException(ErrorCode.PAYMENT_OUTCOME_UNKNOWN, "the payment store did not"
        + " answer in time: payment " + accepted.paymentId() + " may or may not be recorded (and then delivered);"
        + " read it with GET /api/v1/payments/" + accepted.paymentId() + " or POST it again with the same paymentId,"
        + " never with a new one", new JsonObject().put("paymentId", accepted.paymentId()));
    return store.get(accepted.paymentId())
        .compose(found -> found == null ? Future.<PaymentStore.Inserted>failedFuture(unknown)
            : Future.succeededFuture(new PaymentStore.Inserted(false, found)))
        .recover(e -> Future.failedFuture(unknown));
  }

  private static String checked(JsonObject body, String key) {
    String value = ApiVerticle.optionalString(body, key);
    if (value != null && value.length() > 64) {
      throw ApiVerticle.badRequest(key + " must be at most 64 characters");
    }
    return value;
  }

  /**
   * A retry of a POST: the same payment answers its record's state (a pending one waits for its
   * delivery within the retry's own budget, as the first POST did); another one is a conflict.
   */
  private Future<Payment> retry(Payment asked, Payment existing) {
    if (!asked.parkId().equals(existing.parkId()) || asked.amount() != existing.amount()) {
      return Future.failedFuture(new GatewayException(ErrorCode.PAYMENT_CONFLICT,
          "paymentId " + asked.paymentId() + " was already used for a different park or amount",
          new JsonObject().put("paymentId", asked.paymentId())));
    }
    return expireIfDue(existing);
  }

  /**
   * Asks the courier of the node holding the park's session to deliver the payment now, and waits
   * for the attempt's end within the request's budget. A park that is offline is not asked: its
   * next hello delivers the payment.
   */
  private Future<Payment> deliverNow(Payment payment, long timeoutMs) {
    // When this node's view does not have the park, the directory itself is read (not the miss
    // cache): the payment is stored already, so either that read sees the park's session (which is
    // then asked), or the session claims the park after it, and its hello's delivery run, which
    // starts after the claim, finds the payment. Nothing falls in between.
    ParkEntry known = directory.lookup(payment.parkId());
    Future<ParkEntry> entry = known != null ? Future.succeededFuture(known)
        : directory.fetch(payment.parkId()).otherwiseEmpty();
    return entry.compose(e -> e == null ? Future.succeededFuture(payment) : askCourier(payment, e, timeoutMs));
  }

  private Future<Payment> askCourier(Payment payment, ParkEntry entry, long timeoutMs) {
    return vertx.eventBus().<JsonObject>request(Addresses.courier(entry.nodeId()),
            PaymentCourier.deliverRequest(payment.paymentId(), payment.parkId(), entry.epoch()),
            new DeliveryOptions().setSendTimeout(timeoutMs))
        .map(reply -> Payment.fromJson(reply.body()))
        .recover(e -> store.get(payment.paymentId()).map(p -> p == null ? payment : p)
            .otherwise(payment));
  }

  /** Writes the POST's answer for the record's state. */
  private static Payment answer(RoutingContext ctx, Payment p, boolean replayed) {
    switch (p.state()) {
      case CONFIRMED -> {
        JsonObject body = (p.result() == null ? new JsonObject() : p.result().copy())
            .put("parkId", p.parkId()).put("paymentId", p.paymentId()).put("state", p.state().wire());
        if (replayed) {
          body.put("replayed", true);
        }
        ApiVerticle.json(ctx, 200, body);
      }
      case REJECTED -> {
        int gateCode = p.result() == null ? 0 : p.result().getInteger("gateCode", 0);
        boolean unsupported = gateCode == -32601;
        ErrorCode code = unsupported ? ErrorCode.NOT_SUPPORTED : ErrorCode.GATE_ERROR;
        String gateMessage = p.result() == null ? "" : p.result().getString("gateMessage", "");
        JsonObject details = new JsonObject().put("paymentId", p.paymentId()).put("state", p.state().wire())
            .put("gateCode", gateCode).put("gateMessage", gateMessage);
        if (replayed) {
          details.put("replayed", true);
        }
        ctx.fail(new GatewayException(code, (unsupported ? "the gate does not support payment notifications: "
            : "the gate refused the payment: ") + gateMessage, details));
      }
      case EXPIRED -> ctx.fail(new GatewayException(ErrorCode.PAYMENT_EXPIRED,
          "the payment was not confirmed before its validUntil and will not be sent", stateDetails(p)));
      case CANCELLED -> ctx.fail(new GatewayException(ErrorCode.PAYMENT_CANCELLED,
          "the payment was cancelled before it reached the gate", stateDetails(p)));
      default -> {
        ctx.response().putHeader("Location", "/api/v1/payments/" + p.paymentId());
        ApiVerticle.json(ctx, 202, new JsonObject().put("paymentId", p.paymentId()).put("parkId", p.parkId())
            .put("state", p.state().wire()).put("validUntil", Instant.ofEpochMilli(p.validUntil()).toString()));
      }
    }
    return p;
  }

  private static JsonObject stateDetails(Payment p) {
    return new JsonObject().put("paymentId", p.paymentId()).put("parkId", p.parkId()).put("state", p.state().wire());
  }

  /** {@code GET /api/v1/payments/{paymentId}}. */
  void handleGet(RoutingContext ctx, String paymentId) {
    store.get(paymentId)
        .compose(p -> p == null ? Future.failedFuture(notFound(paymentId)) : expireIfDue(p))
        .onSuccess(p -> ApiVerticle.json(ctx, 200, p.toApiJson()))
        .onFailure(ctx::fail);
  }

  /** {@code GET /api/v1/parks/{parkId}/payments?state=&limit=&after=}, ordered by paymentId. */
  void handleList(RoutingContext ctx, String parkId, int limit) {
    Set<PaymentState> states = states(ctx.request().getParam("state"));
    String after = ctx.request().getParam("after");
    store.byPark(parkId, states, after, limit)
        .compose(page -> Future.all(page.stream().map(this::expireIfDue).toList()).map(all -> {
          JsonArray items = new JsonArray();
          List<Payment> payments = all.list();
          payments.stream().filter(p -> states.contains(p.state())).forEach(p -> items.add(p.toApiJson()));
          return new JsonObject().put("items", items)
              .put("next", page.size() == limit ? page.get(page.size() - 1).paymentId() : null);
        }))
        .onSuccess(body -> ApiVerticle.json(ctx, 200, body))
        .onFailure(ctx::fail);
  }

  private static Set<PaymentState> states(String raw) {
    if (raw == null || raw.isBlank()) {
      return EnumSet.allOf(PaymentState.class);
    }
    Set<PaymentState> states = EnumSet.noneOf(PaymentState.class);
    for (String name : raw.split(",")) {
      try {
        states.add(PaymentState.fromWire(name.trim()));
      } catch (IllegalArgumentException e) {
        throw ApiVerticle.badRequest("state must be a comma-separated list of accepted, sent, confirmed, rejected,"
            + " expired, cancelled");
      }
    }
    return states;
  }

  /**
   * {@code POST /api/v1/payments/{paymentId}/cancel}: only while no attempt was ever made (the gate
   * may already have opened once one was); 409 with the current state otherwise.
   */
  void handleCancel(RoutingContext ctx, String paymentId) {
    long now = System.currentTimeMillis();
    store.update(paymentId, p -> p.state() == PaymentState.ACCEPTED && p.leaseUntil() <= now && now < p.validUntil()
            ? p.cancelled(now, directory.nodeId()) : null)
        .compose(p -> p == null ? Future.failedFuture(notFound(paymentId)) : expireIfDue(p))
        .compose(p -> p.state() == PaymentState.CANCELLED ? Future.succeededFuture(p)
            : Future.failedFuture(new GatewayException(ErrorCode.PAYMENT_NOT_CANCELLABLE,
                "only a payment not yet sent to the gate can be cancelled; this one is " + p.state().wire(),
                stateDetails(p))))
        .onSuccess(p -> ApiVerticle.json(ctx, 200, p.toApiJson()))
        .onFailure(ctx::fail);
  }

  /** A pending payment past its validUntil becomes expired when it is read (there is nobody else to tell). */
  private Future<Payment> expireIfDue(Payment p) {
    long now = System.currentTimeMillis();
    if (p.state().isFinal() || now < p.validUntil() || p.leaseUntil() > now) {
      return Future.succeededFuture(p);
    }
    return store.update(p.paymentId(), current -> !current.state().isFinal() && now >= current.validUntil()
        && current.leaseUntil() <= now ? current.expired(now, directory.nodeId()) : null)
        .map(updated -> updated == null ? p : updated);
  }

  private static GatewayException notFound(String paymentId) {
    return new GatewayException(ErrorCode.NOT_FOUND, "no payment " + paymentId);
  }
}
