package io.parkgate.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.parkgate.bus.ErrorCode;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * parkgate's own metrics, one instance per node, on the node's Micrometer registry (scraped at
 * /metrics in Prometheus format). No label ever holds a park ID: label values come from small
 * fixed sets (protocol, close reason, method, outcome). Meters are thread-safe; the hot paths
 * increment pre-built counters.
 */
public final class GatewayMetrics {

  private final MeterRegistry registry;
  private final AtomicInteger parksOnline = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger unresponsive = new AtomicInteger();
  private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Timer> timers = new ConcurrentHashMap<>();
  /** method → outcome → counter, found without building a key string per request. */
  private final ConcurrentMap<String, ConcurrentMap<String, Counter>> requestCounters = new ConcurrentHashMap<>();
  /** Per protocol / per key name: found by the value alone, no key string built per heartbeat or request. */
  private final ConcurrentMap<String, Counter> heartbeats = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> apiRequests = new ConcurrentHashMap<>();
  private final Counter lateResponses;
  /** 1 while the payment store answers, 0 while it does not, -1 before the first check. */
  private final AtomicInteger paymentStoreUp = new AtomicInteger(-1);

  public GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("parkgate.parks.online", parksOnline, AtomicInteger::get)
        .description("Parks whose controller session is online on this node").register(registry);
    Gauge.builder("parkgate.parks.unresponsive", unresponsive, AtomicInteger::get)
        .description("Online parks on this node that fail fast since a request to them timed out").register(registry);
    Gauge.builder("parkgate.requests.in.flight", inFlight, AtomicInteger::get)
        .description("HTTP requests to parks waiting for an answer on this node").register(registry);
    lateResponses = Counter.builder("parkgate.late.responses")
        .description("Controller answers that arrived after their request timed out (dropped)").register(registry);
    Gauge.builder("parkgate.payments.store.up", paymentStoreUp, AtomicInteger::get)
        .description("1 while the payment store answers this node, 0 while it does not").register(registry);
  }

  /** The payment store answered (or not) this node's last check. */
  public void paymentStoreUp(boolean up) {
    paymentStoreUp.set(up ? 1 : 0);
  }

  /**
   * How one delivery attempt ended: confirmed, rejected, expired, unanswered (written, no answer)
   * or not_written (refused by the node before writing).
   */
  public void paymentAttempt(String outcome) {
    counter("parkgate.payments.attempts", "outcome", outcome).increment();
  }

  /** A payment was accepted (recorded) in {@code store} (cluster, postgres). */
  public void paymentAccepted(String store) {
    counter("parkgate.payments.accepted", "store", store).increment();
  }

  /**
   * A park started flapping ({@code flapping}) or was found fought over by two controllers
   * ({@code duplicate_controller}); counted once per episode by the node that noticed it.
   */
  public void parkEvent(String kind) {
    counter("parkgate.park.problems", "kind", kind).increment();
  }

  /** Registers the gauge of flapping parks whose watch records this member owns. */
  public void flappingGauge(AtomicInteger owned) {
    Gauge.builder("parkgate.parks.flapping", owned, AtomicInteger::get)
        .description("Flapping parks whose records this member owns (sum over the nodes for the cluster)")
        .register(registry);
  }

  /** Metrics that go nowhere, for code paths without a registry. */
  public static GatewayMetrics detached() {
    return new GatewayMetrics(new SimpleMeterRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void sessionOpened(String protocol) {
    parksOnline.incrementAndGet();
    counter("parkgate.sessions.opened", "protocol", protocol).increment();
  }

  /** A session ended; {@code wasOnline} says whether it had been counted as an online park. */
  public void sessionClosed(String reason, boolean wasOnline) {
    if (wasOnline) {
      parksOnline.decrementAndGet();
    }
    counter("parkgate.sessions.closed", "reason", reason.toLowerCase(Locale.ROOT)).increment();
  }

  /** An online park turned unresponsive ({@code true}) or answered again or closed ({@code false}). */
  public void unresponsive(boolean now) {
    if (now) {
      unresponsive.incrementAndGet();
    } else {
      unresponsive.decrementAndGet();
    }
  }

  /** Parks online on this node. */
  public int parksOnline() {
    return parksOnline.get();
  }

  /** Online parks on this node that are unresponsive. */
  public int parksUnresponsive() {
    return unresponsive.get();
  }

  /**
   * A v1 session came online proved by the {@code current} or {@code previous} token secret (or
   * {@code unchecked}, development): during a rotation, previous falling to zero says every
   * controller has its new token.
   */
  public void tokenSecretUsed(String secret) {
    counter("parkgate.sessions.token.secret", "secret", secret).increment();
  }

  /** One request by an API key (its configured name; never the key). */
  public void apiKeyUsed(String name) {
    apiRequests.computeIfAbsent(name, n -> counter("parkgate.api.requests", "key", n)).increment();
  }

  /** Registers the gauge of connections held by one listener kind ("http", "controllers"). */
  public void connectionGauge(String listener, AtomicInteger connections) {
    Gauge.builder("parkgate.connections", connections, AtomicInteger::get)
        .description("Connections held by this node, by listener").tag("listener", listener).register(registry);
  }

  /** A connection was refused at accept time because a limit was reached. */
  public void connectionRefused(String listener, String reason) {
    counters.computeIfAbsent("parkgate.connections.refused|" + listener + "|" + reason,
        k -> Counter.builder("parkgate.connections.refused")
            .description("Connections closed at accept because a connection limit was reached")
            .tag("listener", listener).tag("reason", reason.toLowerCase(Locale.ROOT)).register(registry)).increment();
  }

  /** A record in Hazelcast failed its seal (written by something without the cluster secret). */
  public void forgedRecord(String map) {
    counter("parkgate.records.forged", "map", map).increment();
  }

  public void heartbeat(String protocol) {
    heartbeats.computeIfAbsent(protocol, p -> counter("parkgate.heartbeats", "protocol", p)).increment();
  }

  public void authFailure(String protocol) {
    counter("parkgate.auth.failures", "protocol", protocol).increment();
  }

  public void protocolError(String protocol) {
    counter("parkgate.protocol.errors", "protocol", protocol).increment();
  }

  public void lateResponse() {
    lateResponses.increment();
  }

  public void requestStarted() {
    inFlight.incrementAndGet();
  }

  /** A request to a park ended: counted by method and outcome, timed by method. */
  public void requestEnded(String method, ErrorCode failure, long nanos) {
    inFlight.decrementAndGet();
    String outcome = outcome(failure);
    requestCounters.computeIfAbsent(method, m -> new ConcurrentHashMap<>())
        .computeIfAbsent(outcome, o -> Counter.builder("parkgate.requests")
            .description("Requests to parks by method and outcome")
            .tag("method", method).tag("outcome", o).register(registry)).increment();
    timers.computeIfAbsent(method, m -> Timer.builder("parkgate.request.duration")
        .description("Time from HTTP request to the park's answer (or failure)")
        .tag("method", m)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry)).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  static String outcome(ErrorCode failure) {
    if (failure == null) {
      return "ok";
    }
    return switch (failure) {
      case GATE_OFFLINE, PARK_MOVED, NOT_FOUND -> "offline";
      case GATE_TIMEOUT -> "timeout";
      case GATE_UNRESPONSIVE -> "unresponsive";
      case GATE_BUSY -> "busy";
      default -> "error";
    };
  }

  private Counter counter(String name, String tag, String value) {
    return counters.computeIfAbsent(name + "|" + tag + "|" + value,
        k -> Counter.builder(name).tag(tag, value).register(registry));
  }
}
