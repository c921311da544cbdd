package io.parkgate.sim;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Counters shared by all simulated gates (they run on several event loops). */
public final class SimulatorStats {
  final AtomicLong connected = new AtomicLong();
  final AtomicLong answered = new AtomicLong();
  final AtomicLong disconnects = new AtomicLong();
  final AtomicLong silentServerCloses = new AtomicLong();
  /** Gate events (event.report) made and not yet stored, stored, refused for now (sent again), refused for good. */
  final AtomicLong eventsWaiting = new AtomicLong();
  final AtomicLong eventsStored = new AtomicLong();
  final AtomicLong eventsRefused = new AtomicLong();
  final AtomicLong eventsInvalid = new AtomicLong();
  /** The last {@link #ACK_SAMPLES} times from sending an event.report to its stored answer, ns. */
  private final long[] ackNanos = new long[ACK_SAMPLES];
  private long acks;
  static final int ACK_SAMPLES = 100_000;

  public long eventsStored() {
    return eventsStored.get();
  }

  /** Events made and not yet stored (a gate's backlog). */
  public long eventsWaiting() {
    return eventsWaiting.get();
  }

  synchronized void recordEventAck(long nanos) {
    ackNanos[(int) (acks++ % ACK_SAMPLES)] = nanos;
  }

  /** The {@code q} quantile (0..1) of the recent event acknowledgement times, in ms; 0 when none. */
  public synchronized double eventAckMs(double q) {
    int n = (int) Math.min(acks, ACK_SAMPLES);
    if (n == 0) {
      return 0;
    }
    long[] sorted = java.util.Arrays.copyOf(ackNanos, n);
    java.util.Arrays.sort(sorted);
    return sorted[Math.min(n - 1, (int) Math.floor(q * n))] / 1e6;
  }

  /** Gates whose hello has been answered and whose connection is open. */
  public long connected() {
    return connected.get();
  }

  public long answered() {
    return answered.get();
  }

  public long disconnects() {
    return disconnects.get();
  }

  /**
   * Connections the gates closed themselves because parkgate sent no frame for 3 heartbeat
   * intervals (protocol.md §5: a frozen node or a silent drop on the node's side).
   */
  public long silentServerCloses() {
    return silentServerCloses.get();
  }

  /** payment.notify requests received, by paymentId (repeats included). */
  final Map<String, AtomicInteger> notifications = new ConcurrentHashMap<>();
  /** Barrier openings, by paymentId: a gate opens at most once per paymentId. */
  final Map<String, AtomicInteger> openings = new ConcurrentHashMap<>();

  /** How many times the gates heard of this payment (each attempt that reached them). */
  public int notifications(String paymentId) {
    AtomicInteger n = notifications.get(paymentId);
    return n == null ? 0 : n.get();
  }

  /** How many times a barrier opened for this payment: 1 once delivered, never more. */
  public int openings(String paymentId) {
    AtomicInteger n = openings.get(paymentId);
    return n == null ? 0 : n.get();
  }

  /**
   * The counters as JSON, for a harness in another process (simulate --stats-file): connected,
   * answered, disconnects, silentServerCloses, and payments {paymentId: [notifications, openings]}.
   */
  public io.vertx.core.json.JsonObject toJson() {
    io.vertx.core.json.JsonObject payments = new io.vertx.core.json.JsonObject();
    notifications.forEach((id, n) -> payments.put(id, new io.vertx.core.json.JsonArray().add(n.get()).add(openings(id))));
    return new io.vertx.core.json.JsonObject().put("connected", connected()).put("answered", answered())
        .put("disconnects", disconnects()).put("silentServerCloses", silentServerCloses())
        .put("events", new io.vertx.core.json.JsonObject().put("stored", eventsStored()).put("waiting", eventsWaiting())
            .put("refused", eventsRefused.get()).put("invalid", eventsInvalid.get())
            .put("ackP50Ms", eventAckMs(0.5)).put("ackP99Ms", eventAckMs(0.99)))
        .put("payments", payments);
  }

  /** Payments whose barrier opened more than once (must stay 0). */
  public long openedTwice() {
    return openings.values().stream().filter(n -> n.get() > 1).count();
  }
}
