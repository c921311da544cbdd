package io.parkgate.security;

import io.parkgate.metrics.GatewayMetrics;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many connections one listener kind may hold on this node, in total and per source address.
 * One instance per listener kind per node, shared by that listener's verticle instances (hence
 * lock-free counters). A connection beyond a limit is refused at once by the caller (closed before
 * any byte is read); connections already established are never touched. Counted in the metrics as
 * {@code parkgate.connections} (gauge) and {@code parkgate.connections.refused} (by reason).
 */
public final class ConnectionBudget {

  /** Why a connection was refused; the lower-case name is the metric's {@code reason} label. */
  public enum Refusal { NODE_LIMIT, SOURCE_LIMIT }

  private final String listener;
  private final int maxTotal;
  private final int maxPerSource;
  private final GatewayMetrics metrics;
  private final AtomicInteger total = new AtomicInteger();
  private final ConcurrentMap<String, AtomicInteger> perSource = new ConcurrentHashMap<>();

  /**
   * @param listener     the metric label ("http", "controllers")
   * @param maxPerSource connections per source address; {@link Integer#MAX_VALUE} for no per-source limit
   */
  public ConnectionBudget(String listener, int maxTotal, int maxPerSource, GatewayMetrics metrics) {
    this.listener = listener;
    this.maxTotal = maxTotal;
    this.maxPerSource = maxPerSource;
    this.metrics = metrics;
    metrics.connectionGauge(listener, total);
  }

  /**
   * Takes one connection from the budget. Returns null when admitted (call {@link #release} exactly
   * once when it closes), or why it is refused (nothing to release then).
   */
  public Refusal acquire(String source) {
    if (total.incrementAndGet() > maxTotal) {
      total.decrementAndGet();
      metrics.connectionRefused(listener, Refusal.NODE_LIMIT.name());
      return Refusal.NODE_LIMIT;
    }
    if (maxPerSource != Integer.MAX_VALUE && !takeFromSource(source)) {
      total.decrementAndGet();
      metrics.connectionRefused(listener, Refusal.SOURCE_LIMIT.name());
      return Refusal.SOURCE_LIMIT;
    }
    return null;
  }

  /**
   * Counts one more connection for {@code source} unless it holds its maximum. Check and increment
   * happen inside the map's atomic {@code compute}: incrementing a counter fetched outside it could
   * land on an entry a concurrent {@link #release} had just removed, and the count would drift.
   */
  private boolean takeFromSource(String source) {
    boolean[] taken = {false};
    perSource.compute(source, (s, count) -> {
      AtomicInteger c = count == null ? new AtomicInteger() : count;
      if (c.get() < maxPerSource) {
        c.incrementAndGet();
        taken[0] = true;
      }
      return c.get() == 0 ? null : c;
    });
    return taken[0];
  }

  /** Gives back a connection admitted by {@link #acquire} for the same source. */
  public void release(String source) {
    total.decrementAndGet();
    if (maxPerSource != Integer.MAX_VALUE) {
      // remove the entry when it drops to zero, so the map holds only sources with connections
      perSource.computeIfPresent(source, (s, count) -> count.decrementAndGet() <= 0 ? null : count);
    }
  }

  /** Connections currently held. */
  public int inUse() {
    return total.get();
  }

  /** Connections currently held from one source. */
  public int inUse(String source) {
    AtomicInteger count = perSource.get(source);
    return count == null ? 0 : count.get();
  }
}
