package io.parkgate.metrics;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * At most one log line per interval for an event that a peer can cause at will (a client that
 * abandons its requests): {@link #permit()} says whether to log now, and how many occurrences the
 * line stands for. Lock-free, so one instance may be shared by several event loops.
 */
public final class LogLimit {

  private final long intervalNanos;
  private final AtomicLong nextAt = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong occurrences = new AtomicLong();

  public LogLimit(long interval, TimeUnit unit) {
    this.intervalNanos = unit.toNanos(interval);
  }

  /**
   * Records one occurrence. Returns 0 when it must not be logged, otherwise the number of
   * occurrences the line being written stands for (this one and those suppressed since the last line).
   */
  public long permit() {
    occurrences.incrementAndGet();
    long now = System.nanoTime();
    long next = nextAt.get();
    if ((next != Long.MIN_VALUE && now - next < 0) || !nextAt.compareAndSet(next, now + intervalNanos)) {
      return 0;
    }
    return occurrences.getAndSet(0);
  }
}
