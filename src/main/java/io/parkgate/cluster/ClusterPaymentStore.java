package io.parkgate.cluster;

import com.hazelcast.config.IndexType;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.payments.Payment;
import io.parkgate.payments.PaymentState;
import io.parkgate.payments.PaymentStore;
import io.parkgate.security.RecordSeal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.concurrent.CompletionStage;

/**
 * The {@code cluster} payment store: a Hazelcast map {@code parkgate.payment-records} (paymentId →
 * record, one backup), so one node's death loses nothing; <b>a full cluster restart loses every
 * record</b> (use the postgres store where that matters). Each value is a small JSON object whose
 * {@code parkId}, {@code state} and {@code version} are there for queries and compare-and-set, and
 * whose {@code record} is the full record {@link RecordSeal sealed}: what a reader trusts is only
 * the sealed part, checked against the outer fields. A hash index on {@code parkId} serves the
 * per-park queries.
 *
 * <p>A second map, {@code parkgate.payment-parks}, holds a hint per park that may have pending
 * payments, so the delivery run after each hello (10,000 of them in a reconnect storm) costs one
 * key read, not a cluster query, for the parks that have none. The hint is set before and after a
 * pending record is written (and again by a retry that finds it pending), and removed only by a
 * query that found nothing pending, and only if it is still the hint that query started from.
 *
 * <p>Every operation is bounded by {@code timeoutMs}; a failure or a timeout is
 * {@link PaymentStore#unavailable STORE_UNAVAILABLE}.
 */
public final class ClusterPaymentStore implements PaymentStore {

  public static final String MAP_NAME = "parkgate.payment-records";
  public static final String HINTS_MAP_NAME = "parkgate.payment-parks";
  /** One call of {@link #parksWithPending} in this many also reads the pending records themselves. */
  static final int THOROUGH_EVERY = 6;

  private final Vertx vertx;
  private final IMap<String, HazelcastJsonValue> map;
  private final java.util.concurrent.atomic.AtomicLong sweeps = new java.util.concurrent.atomic.AtomicLong();
  private final IMap<String, String> hints;
  private final ForgedRecords records;
  private final long retentionMs;
  private final long timeoutMs;

  private ClusterPaymentStore(Vertx vertx, HazelcastInstance hazelcast, RecordSeal seal, GatewayMetrics metrics,
      long retentionMs, long timeoutMs) {
    this.vertx = vertx;
    this.map = hazelcast.getMap(MAP_NAME);
    this.hints = hazelcast.getMap(HINTS_MAP_NAME);
    this.records = new ForgedRecords(MAP_NAME, seal, metrics);
    this.retentionMs = retentionMs;
    this.timeoutMs = timeoutMs;
  }

  /** Opens the store (adds the index, off the event loop). */
  public static Future<PaymentStore> start(Vertx vertx, HazelcastInstance hazelcast, RecordSeal seal,
      GatewayMetrics metrics, long retentionMs, long timeoutMs) {
    ClusterPaymentStore store = new ClusterPaymentStore(vertx, hazelcast, seal, metrics, retentionMs, timeoutMs);
    return vertx.executeBlocking(() -> {
      store.map.addIndex(IndexType.HASH, "parkId");
      store.map.addIndex(IndexType.HASH, "state"); // the thorough sweep (parksWithPending)
      return store;
    }, false);
  }

  /**
   * A record there that this cluster did not seal (a stranger wrote it) is replaced, unless it
   * changed meanwhile: a forged record never stands for a payment.
   */
  @Override
  public Future<Inserted> insert(Payment payment) {
    HazelcastJsonValue value = encode(payment);
    // the hint goes first as well as after: a node that dies between the two writes leaves a hint
    // without a record (harmless: the next run's query clears it), never a record without a hint
    // (which no delivery run would ever find)
    return hint(payment)
        .compose(v -> op("insert", () -> map.submitToKey(payment.paymentId(), new InsertIfAbsent(value, ttlMs(payment)))))
        .compose(existing -> {
          if (existing == null) {
            return hint(payment).map(v -> new Inserted(true, payment));
          }
          Payment stored = decode(payment.paymentId(), existing);
          if (stored != null) {
            // a retry, maybe at the same moment as the first POST, whose hint a run's empty query
            // may have just cleared: its delivery run must find the record, so hint it again
            return hint(stored).map(v -> new Inserted(false, stored));
          }
          return op("insert", () -> map.submitToKey(payment.paymentId(),
                  new ReplaceIfEqual(existing, value, ttlMs(payment))))
              .compose(replaced -> replaced ? hint(payment).map(v -> new Inserted(true, payment))
                  : Future.failedFuture(PaymentStore.unavailable("insert", new IllegalStateException(
                      "payment record " + payment.paymentId() + " keeps changing without a valid seal"))));
        });
  }

  private Future<Void> hint(Payment payment) {
    if (payment.state().isFinal()) {
      return Future.succeededFuture();
    }
    return op("insert", () -> hints.setAsync(payment.parkId(), UUID.randomUUID().toString()));
  }

  @Override
  public Future<Payment> get(String paymentId) {
    return op("read", () -> map.getAsync(paymentId)).map(v -> decode(paymentId, v));
  }

  @Override
  public Future<Boolean> replace(Payment expected, Payment next) {
    HazelcastJsonValue value = encode(next);
    return op("update", () -> map.submitToKey(next.paymentId(),
        new ReplaceIfVersion(expected.version(), value, ttlMs(next))));
  }

  @Override
  public Future<List<Payment>> byPark(String parkId, Set<PaymentState> states, String after, int limit) {
    List<String> wanted = states.stream().map(PaymentState::wire).toList();
    return query(parkId, wanted).map(found -> {
      List<Payment> page = new ArrayList<>();
      for (Payment p : found) {
        if (states.contains(p.state()) && (after == null || p.paymentId().compareTo(after) > 0)) {
          page.add(p);
        }
      }
      page.sort(Comparator.comparing(Payment::paymentId));
      return page.size() > limit ? new ArrayList<>(page.subList(0, limit)) : page;
    });
  }

  /** One key read when the park's hint says there are none. */
  @Override
  public Future<List<Payment>> pending(String parkId) {
    return op("read", () -> hints.getAsync(parkId)).compose(hint -> {
      if (hint == null) {
        return Future.succeededFuture(List.<Payment>of());
      }
      return query(parkId, PaymentState.PENDING.stream().map(PaymentState::wire).toList()).compose(found -> {
        List<Payment> pending = new ArrayList<>(found.stream().filter(p -> !p.state().isFinal()).toList());
        pending.sort(Comparator.comparingLong(Payment::acceptedAt).thenComparing(Payment::paymentId));
        if (!pending.isEmpty()) {
          return Future.succeededFuture(pending);
        }
        return op("update", () -> hints.removeAsync(parkId)).compose(removed -> removed == null
                || hint.equals(removed) ? Future.succeededFuture(pending)
                // a pending payment arrived meanwhile: put its hint back, and deliver it next time
                : op("update", () -> hints.setAsync(parkId, removed)).map(pending));
      });
    });
  }

  /**
   * The hints' keys (one small map); and every {@link #THOROUGH_EVERY}th call (a minute at the
   * courier's pace) the parks of the pending records themselves, through the index on their state,
   * putting back the hint of any that lacks one. A healed split merges the two maps separately: a
   * run's empty query could clear a park's hint before that park's records from the other side
   * had arrived, and then nothing named the park again (bench/faults partition: 8 payments
   * accepted on the cut-off side left pending).
   */
  @Override
  public Future<Set<String>> parksWithPending() {
    boolean thorough = sweeps.getAndIncrement() % THOROUGH_EVERY == 0;
    return vertx.<Set<String>>executeBlocking(() -> {
          Set<String> parks = new HashSet<>(hints.keySet());
          if (thorough) {
            for (HazelcastJsonValue v : map.values(Predicates.in("state",
                PaymentState.PENDING.stream().map(PaymentState::wire).toArray(String[]::new)))) {
              String parkId = new JsonObject(v.getValue()).getString("parkId");
              if (parkId != null && parks.add(parkId)) {
                hints.set(parkId, UUID.randomUUID().toString());
              }
            }
          }
          return parks;
        }, false)
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(PaymentStore.unavailable("query", e)));
  }

  private Future<List<Payment>> query(String parkId, List<String> states) {
    return vertx.<Collection<HazelcastJsonValue>>executeBlocking(() ->
            map.values(Predicates.and(Predicates.equal("parkId", parkId), Predicates.in("state", states.toArray(new String[0])))),
        false)
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(PaymentStore.unavailable("query", e)))
        .map(values -> {
          List<Payment> out = new ArrayList<>(values.size());
          for (HazelcastJsonValue v : values) {
            JsonObject outer = new JsonObject(v.getValue());
            Payment p = decode(outer.getString("paymentId"), v);
            if (p != null && parkId.equals(p.parkId())) {
              out.add(p);
            }
          }
          return out;
        });
  }

  @Override
  public Future<Void> ping() {
    return op("ping", () -> map.getAsync("")).mapEmpty();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  private long ttlMs(Payment p) {
    // a pending record lives until its validity ends plus the retention; a final one, the retention
    return p.state().isFinal() ? retentionMs : Math.max(0, p.validUntil() - System.currentTimeMillis()) + retentionMs;
  }

  private HazelcastJsonValue encode(Payment p) {
    String sealed = records.seal(p.paymentId(), p.toJson().encode());
    return new HazelcastJsonValue(new JsonObject().put("paymentId", p.paymentId()).put("parkId", p.parkId())
        .put("state", p.state().wire()).put("version", p.version()).put("record", sealed).encode());
  }

  /** The record, or null when absent or (counted and logged) not sealed by this cluster. */
  private Payment decode(String paymentId, HazelcastJsonValue value) {
    if (value == null) {
      return null;
    }
    JsonObject outer;
    try {
      outer = new JsonObject(value.getValue());
    } catch (RuntimeException e) {
      records.open(paymentId, "unreadable");
      return null;
    }
    String json = records.open(paymentId, outer.getString("record", ""));
    if (json == null) {
      return null;
    }
    Payment p = Payment.fromJson(new JsonObject(json));
    boolean consistent = paymentId.equals(p.paymentId()) && p.parkId().equals(outer.getString("parkId"))
        && p.state().wire().equals(outer.getString("state")) && p.version() == outer.getLong("version", -1L);
    return consistent ? p : null;
  }

  private <T> Future<T> op(String what, Supplier<? extends CompletionStage<T>> start) {
    return HazelcastFutures.onCaller(vertx, start)
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(PaymentStore.unavailable(what, e)));
  }

  /** What every processor below does once it decided to write: the value, with its time to live. */
  private static void store(Map.Entry<String, HazelcastJsonValue> entry, String json, long ttlMs) {
    ((ExtendedMapEntry<String, HazelcastJsonValue>) entry).setValue(new HazelcastJsonValue(json), ttlMs,
        TimeUnit.MILLISECONDS);
  }

  /** Installs a record unless the key exists; returns the existing value, or null. */
  static final class InsertIfAbsent implements EntryProcessor<String, HazelcastJsonValue, HazelcastJsonValue> {
    private static final long serialVersionUID = 1L;
    // plain strings: a processor travels with Java serialization, which HazelcastJsonValue does not support
    private final String value;
    private final long ttlMs;

    InsertIfAbsent(HazelcastJsonValue value, long ttlMs) {
      this.value = value.getValue();
      this.ttlMs = ttlMs;
    }

    @Override
    public HazelcastJsonValue process(Map.Entry<String, HazelcastJsonValue> entry) {
      if (entry.getValue() != null) {
        return entry.getValue();
      }
      store(entry, value, ttlMs);
      return null;
    }
  }

  /** Replaces the value only if it is still exactly {@code expected}. */
  static final class ReplaceIfEqual implements EntryProcessor<String, HazelcastJsonValue, Boolean> {
    private static final long serialVersionUID = 1L;
    private final String expected;
    private final String value;
    private final long ttlMs;

    ReplaceIfEqual(HazelcastJsonValue expected, HazelcastJsonValue value, long ttlMs) {
      this.expected = expected.getValue();
      this.value = value.getValue();
      this.ttlMs = ttlMs;
    }

    @Override
    public Boolean process(Map.Entry<String, HazelcastJsonValue> entry) {
      if (entry.getValue() == null || !expected.equals(entry.getValue().getValue())) {
        return false;
      }
      store(entry, value, ttlMs);
      return true;
    }
  }

  /** Writes the value only if the stored one is still at {@code expectedVersion} (compare-and-set). */
  static final class ReplaceIfVersion implements EntryProcessor<String, HazelcastJsonValue, Boolean> {
    private static final long serialVersionUID = 1L;
    private final long expectedVersion;
    private final String value;
    private final long ttlMs;

    ReplaceIfVersion(long expectedVersion, HazelcastJsonValue value, long ttlMs) {
      this.expectedVersion = expectedVersion;
      this.value = value.getValue();
      this.ttlMs = ttlMs;
    }

    @Override
    public Boolean process(Map.Entry<String, HazelcastJsonValue> entry) {
      HazelcastJsonValue current = entry.getValue();
      if (current == null || new JsonObject(current.getValue()).getLong("version", -1L) != expectedVersion) {
        return false;
      }
      store(entry, value, ttlMs);
      return true;
    }
  }
}
