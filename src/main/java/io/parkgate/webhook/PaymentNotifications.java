package io.parkgate.webhook;

import io.parkgate.bus.Notification;
import io.parkgate.bus.Notifier;
import io.parkgate.metrics.LogLimit;
import io.parkgate.payments.Payment;
import io.parkgate.payments.PaymentState;
import io.parkgate.payments.PaymentStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PaymentStore} that notifies every payment state change it writes: a created record is
 * {@code payment.accepted}, a compare-and-set that changed the state is {@code payment.<state>}
 * ({@code sent} once, on the first attempt; then {@code confirmed}, {@code rejected},
 * {@code expired} or {@code cancelled}). Every place that moves a payment (the API, the courier on
 * any node) goes through the store, so none is missed; the id is {@code payment:<paymentId>:<state>},
 * the same for a repeat of the same transition.
 *
 * <p>The write's future completes after the notification is queued (so an API answer or the next
 * delivery step comes after it), but never fails because of it: the payment is recorded either
 * way, and an outbox failure is counted and logged. A node dying between the two writes loses that
 * one notification (the outbox is not in the payment's transaction).
 */
public final class PaymentNotifications implements PaymentStore {

  private static final Logger LOG = LoggerFactory.getLogger(PaymentNotifications.class);

  private final PaymentStore store;
  private final Notifier notifier;
  private final LogLimit failures = new LogLimit(10, TimeUnit.SECONDS);

  public PaymentNotifications(PaymentStore store, Notifier notifier) {
    this.store = store;
    this.notifier = notifier;
  }

  /** The store without notifications (for code that must see the concrete store, e.g. its pool). */
  public PaymentStore store() {
    return store;
  }

  /** The notification of {@code p} having just reached its state. */
  public static Notification of(Payment p) {
    JsonObject data = new JsonObject().put("paymentId", p.paymentId()).put("state", p.state().wire())
        .put("amount", p.amount()).put("attempts", p.attempts())
        .put("acceptedAt", Instant.ofEpochMilli(p.acceptedAt()).toString())
        .put("validUntil", Instant.ofEpochMilli(p.validUntil()).toString());
    if (p.lane() != null) {
      data.put("lane", p.lane());
    }
    if (p.plate() != null) {
      data.put("plate", p.plate());
    }
    if (p.result() != null) {
      data.put("result", p.result());
    }
    return new Notification("payment:" + p.paymentId() + ":" + p.state().wire(), "payment." + p.state().wire(),
        stepTime(p), p.parkId(), data);
  }

  private static long stepTime(Payment p) {
    try {
      return Instant.parse(p.history().getJsonObject(p.history().size() - 1).getString("at")).toEpochMilli();
    } catch (RuntimeException e) {
      return System.currentTimeMillis();
    }
  }

  private <T> Future<T> notifying(Payment p, T result) {
    return notifier.notify(of(p)).transform(ar -> {
      if (ar.failed()) {
        long count = failures.permit();
        if (count > 0) {
          LOG.warn("webhooks: {} payment notifications could not be queued (the latest, {} of {}: {})", count,
              p.state().wire(), p.paymentId(), ar.cause().getMessage());
        }
      }
      return Future.succeededFuture(result);
    });
  }

  @Override
  public Future<Inserted> insert(Payment payment) {
    return store.insert(payment).compose(inserted -> inserted.created()
        ? notifying(inserted.payment(), inserted) : Future.succeededFuture(inserted));
  }

  @Override
  public Future<Payment> get(String paymentId) {
    return store.get(paymentId);
  }

  @Override
  public Future<Boolean> replace(Payment expected, Payment next) {
    // back to accepted is an attempt undone before anything was written to the gate: no news
    boolean news = expected.state() != next.state() && next.state() != PaymentState.ACCEPTED;
    return store.replace(expected, next).compose(written -> written && news
        ? notifying(next, true) : Future.succeededFuture(written));
  }

  @Override
  public Future<List<Payment>> byPark(String parkId, Set<PaymentState> states, String after, int limit) {
    return store.byPark(parkId, states, after, limit);
  }

  @Override
  public Future<List<Payment>> pending(String parkId) {
    return store.pending(parkId);
  }

  @Override
  public Future<Set<String>> parksWithPending() {
    return store.parksWithPending();
  }

  @Override
  public Future<Void> ping() {
    return store.ping();
  }

  @Override
  public Future<Void> close() {
    return store.close();
  }
}
