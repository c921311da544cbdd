package io.parkgate.payments;

import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.GatewayException;
import io.vertx.core.Future;
import java.util.List;
import java.util.Set;

/**
 * Where payment records live: {@code cluster} (Hazelcast, {@link ClusterPaymentStore}) or
 * {@code postgres}. Every implementation passes the same contract suite
 * ({@code PaymentStoreContract} in the tests). Every method is asynchronous and never blocks the
 * caller's event loop; a store that cannot be reached fails with {@link #unavailable} (503
 * {@code STORE_UNAVAILABLE}: nothing was recorded or changed).
 */
public interface PaymentStore {

  /** What {@link #insert} found: the stored record, and whether this call created it. */
  record Inserted(boolean created, Payment payment) {
  }

  /** Stores a new record unless its paymentId exists; then answers the existing one (never a second record). */
  Future<Inserted> insert(Payment payment);

  /** The record, or null. */
  Future<Payment> get(String paymentId);

  /**
   * Writes {@code next} only if the stored record is still at {@code expected}'s version
   * (compare-and-set). True when written; false when the record changed (or is gone) meanwhile.
   */
  Future<Boolean> replace(Payment expected, Payment next);

  /**
   * A park's records in the given states, ordered by paymentId, after {@code after} (exclusive;
   * null = from the start), at most {@code limit}.
   */
  Future<List<Payment>> byPark(String parkId, Set<PaymentState> states, String after, int limit);

  /**
   * The park's pending payments in acceptance order (oldest first), for delivery after a hello.
   * Cheap for a park that has none: it runs after every hello.
   */
  default Future<List<Payment>> pending(String parkId) {
    return byPark(parkId, PaymentState.PENDING, null, Integer.MAX_VALUE).map(found -> {
      List<Payment> sorted = new java.util.ArrayList<>(found);
      sorted.sort(java.util.Comparator.comparingLong(Payment::acceptedAt).thenComparing(Payment::paymentId));
      return sorted;
    });
  }

  /**
   * The parks that may have pending payments (a superset is fine: a park's {@link #pending} says
   * for sure), for the courier's sweep, which delivers what no hello or POST set off (a park whose
   * payment was accepted on the other side of a healed split, a node that died mid-run). Cheap when
   * few payments are pending: it runs on every node every {@code PaymentCourier.SWEEP_MS}.
   */
  Future<Set<String>> parksWithPending();

  /**
   * Applies {@code change} to the stored record with compare-and-set, re-reading on conflict (a few
   * times). {@code change} returns null for "nothing to do". Completes with the record as written,
   * the current one when there was nothing to do, or null when the payment does not exist.
   */
  default Future<Payment> update(String paymentId, java.util.function.UnaryOperator<Payment> change) {
    return update(this, paymentId, change, 8);
  }

  private static Future<Payment> update(PaymentStore store, String paymentId,
      java.util.function.UnaryOperator<Payment> change, int tries) {
    return store.get(paymentId).compose(current -> {
      if (current == null) {
        return Future.succeededFuture(null);
      }
      Payment next = change.apply(current);
      if (next == null) {
        return Future.succeededFuture(current);
      }
      return store.replace(current, next).compose(written -> written ? Future.succeededFuture(next)
          : tries > 1 ? update(store, paymentId, change, tries - 1)
          : Future.failedFuture(new IllegalStateException("payment " + paymentId + " kept changing")));
    });
  }

  /** Whether the store answers now, for readiness. */
  Future<Void> ping();

  /** Releases connections; the store is unusable afterwards. */
  Future<Void> close();

  /**
   * The failure of a store that could not be reached while doing {@code what}; one that did not
   * answer within its bound says so ({@link #timedOut}), since what it was asked may still happen.
   */
  static GatewayException unavailable(String what, Throwable cause) {
    boolean timedOut = cause instanceof java.util.concurrent.TimeoutException;
    return new GatewayException(ErrorCode.STORE_UNAVAILABLE, "the payment store is unavailable (" + what + "): "
        + (cause == null ? "no answer" : timedOut ? "no answer in time" : cause.getMessage()),
        timedOut ? new io.vertx.core.json.JsonObject().put(TIMED_OUT, true) : null);
  }

  /** The detail that marks a failure as a timeout (the operation may still take effect). */
  String TIMED_OUT = "storeTimedOut";

  /** Whether {@code failure} is a store operation that did not answer within its bound. */
  static boolean timedOut(Throwable failure) {
    return failure instanceof GatewayException g && g.details() != null && g.details().getBoolean(TIMED_OUT, false);
  }
}
