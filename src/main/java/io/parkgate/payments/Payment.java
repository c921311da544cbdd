package io.parkgate.payments;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One payment's record, the same in every store: what was paid, where it is on its way to the gate
 * ({@link PaymentState}), the delivery fence, and its history. Immutable: every transition returns
 * the next version ({@link #version} + 1), which a store writes only over the version it was made
 * from (compare-and-set), so two nodes can never both move a payment from the same state.
 *
 * <p><b>Fence.</b> {@link #epoch} is the highest controller-session epoch that ever started an
 * attempt; an attempt needs an epoch at least that high, and while an attempt of that same session
 * is in flight ({@link #leaseUntil} in the future) no second one starts. So an older session can
 * never deliver after a newer one began, and one session never sends the same payment twice at
 * once. A newer session may send again while an older attempt is in flight: the gate dedupes on
 * {@code paymentId}.
 *
 * @param paymentId  the caller's id, unique cluster-wide
 * @param parkId     the park whose gate must hear of it
 * @param amount     minor units
 * @param lane       optional, passed to the gate
 * @param plate      optional, passed to the gate
 * @param acceptedAt epoch ms when recorded: delivery goes in this order per park
 * @param validUntil epoch ms after which it is never sent (then {@code expired})
 * @param state      where it is
 * @param attempts   how many times it was written to a controller connection
 * @param epoch      the delivery fence (0 = never sent)
 * @param leaseUntil epoch ms until which the attempt in flight holds it (0 = none in flight)
 * @param result     the gate's result (confirmed) or error (rejected: gateCode, gateMessage), or null
 * @param history    one object per transition: {state, at, node, epoch, attempt?, note?}
 * @param version    increases by one with every write
 */
public record Payment(String paymentId, String parkId, long amount, String lane, String plate, long acceptedAt,
    long validUntil, PaymentState state, int attempts, long epoch, long leaseUntil, JsonObject result,
    JsonArray history, long version) {

  /** A new payment, just accepted. */
  public static Payment accepted(String paymentId, String parkId, long amount, String lane, String plate, long now,
      long validUntil, String node) {
    JsonArray history = new JsonArray().add(step(PaymentState.ACCEPTED, now, node, 0, null));
    return new Payment(paymentId, parkId, amount, lane, plate, now, validUntil, PaymentState.ACCEPTED, 0, 0, 0, null,
        history, 1);
  }

  /**
   * Whether a session of {@code sessionEpoch} may start an attempt now: the payment is pending and
   * valid, the session is not older than the fence, and no attempt of the same session is in flight.
   */
  public boolean mayAttempt(long sessionEpoch, long now) {
    return !state.isFinal() && now < validUntil && sessionEpoch >= epoch
        && (sessionEpoch > epoch || leaseUntil <= now);
  }

  /** The next attempt, by a session of {@code sessionEpoch}, holding the payment until {@code leaseUntil}. */
  public Payment sent(long sessionEpoch, long leaseUntil, long now, String node) {
    check(PaymentState.SENT);
    int attempt = attempts + 1;
    return new Payment(paymentId, parkId, amount, lane, plate, acceptedAt, validUntil, PaymentState.SENT, attempt,
        sessionEpoch, leaseUntil, null, with(step(PaymentState.SENT, now, node, sessionEpoch, null).put("attempt", attempt)),
        version + 1);
  }

  /** The attempt in flight ended without an answer ({@code why}); it stays {@code sent}, to be sent again. */
  public Payment attemptFailed(String why, long now, String node) {
    if (state != PaymentState.SENT) {
      throw new IllegalStateException("no attempt in flight for " + paymentId + " (" + state.wire() + ")");
    }
    return new Payment(paymentId, parkId, amount, lane, plate, acceptedAt, validUntil, state, attempts, epoch, 0,
        result, with(step(state, now, node, epoch, "attempt " + attempts + " failed: " + why)
            .put("attempt", attempts)), version + 1);
  }

  /**
   * The node refused the attempt before writing it to the controller (unresponsive, busy, moved):
   * back to what {@code before} said about state and attempts, with the refusal in the history.
   * Only valid on the version made from {@code before} by {@link #sent}.
   */
  public Payment notWritten(Payment before, String why, long now, String node) {
    return new Payment(paymentId, parkId, amount, lane, plate, acceptedAt, validUntil, before.state(),
        before.attempts(), epoch, 0, before.result(),
        with(step(before.state(), now, node, epoch, "attempt " + attempts + " not written: " + why)), version + 1);
  }

  /** The gate's answer: {@code confirmed} with its result, or {@code rejected} with its error. */
  public Payment answered(PaymentState outcome, JsonObject gateAnswer, long now, String node) {
    if (outcome != PaymentState.CONFIRMED && outcome != PaymentState.REJECTED) {
      throw new IllegalArgumentException("an answer confirms or rejects: " + outcome);
    }
    return finished(outcome, gateAnswer, now, node, null);
  }

  public Payment expired(long now, String node) {
    return finished(PaymentState.EXPIRED, result, now, node, null);
  }

  public Payment cancelled(long now, String node) {
    return finished(PaymentState.CANCELLED, result, now, node, null);
  }

  private Payment finished(PaymentState next, JsonObject answer, long now, String node, String note) {
    check(next);
    return new Payment(paymentId, parkId, amount, lane, plate, acceptedAt, validUntil, next, attempts, epoch, 0,
        answer, with(step(next, now, node, epoch, note)), version + 1);
  }

  private void check(PaymentState next) {
    if (!state.mayBecome(next)) {
      throw new IllegalStateException("payment " + paymentId + " cannot go from " + state.wire() + " to " + next.wire());
    }
  }

  private JsonArray with(JsonObject step) {
    return history.copy().add(step);
  }

  private static JsonObject step(PaymentState state, long now, String node, long epoch, String note) {
    JsonObject step = new JsonObject().put("state", state.wire()).put("at", Instant.ofEpochMilli(now).toString())
        .put("node", node);
    if (epoch != 0) {
      step.put("epoch", epoch);
    }
    if (note != null) {
      step.put("note", note);
    }
    return step;
  }

  /** The params of {@code payment.notify} for the next attempt. */
  public JsonObject notifyParams() {
    JsonObject params = new JsonObject().put("paymentId", paymentId).put("amount", amount)
        .put("validUntil", Instant.ofEpochMilli(validUntil).toString()).put("attempt", attempts);
    if (lane != null) {
      params.put("lane", lane);
    }
    if (plate != null) {
      params.put("plate", plate);
    }
    return params;
  }

  /** The stored form: every field. */
  public JsonObject toJson() {
    return new JsonObject().put("paymentId", paymentId).put("parkId", parkId).put("amount", amount)
        .put("lane", lane).put("plate", plate).put("acceptedAt", acceptedAt).put("validUntil", validUntil)
        .put("state", state.wire()).put("attempts", attempts).put("epoch", epoch).put("leaseUntil", leaseUntil)
        .put("result", result).put("history", history).put("version", version);
  }

  public static Payment fromJson(JsonObject o) {
    return new Payment(o.getString("paymentId"), o.getString("parkId"), o.getLong("amount"), o.getString("lane"),
        o.getString("plate"), o.getLong("acceptedAt"), o.getLong("validUntil"), PaymentState.fromWire(o.getString("state")),
        o.getInteger("attempts", 0), o.getLong("epoch", 0L), o.getLong("leaseUntil", 0L), o.getJsonObject("result"),
        o.getJsonArray("history", new JsonArray()), o.getLong("version", 1L));
  }

  /** What the API shows: the record without the delivery internals, times as ISO-8601. */
  public JsonObject toApiJson() {
    JsonObject out = new JsonObject().put("paymentId", paymentId).put("parkId", parkId).put("amount", amount)
        .put("state", state.wire()).put("attempts", attempts)
        .put("acceptedAt", Instant.ofEpochMilli(acceptedAt).toString())
        .put("validUntil", Instant.ofEpochMilli(validUntil).toString())
        .put("history", history);
    if (lane != null) {
      out.put("lane", lane);
    }
    if (plate != null) {
      out.put("plate", plate);
    }
    if (result != null) {
      out.put("result", result);
    }
    return out;
  }
}
