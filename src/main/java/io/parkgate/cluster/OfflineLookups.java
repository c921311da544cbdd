package io.parkgate.cluster;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What bounds the cluster reads for parks missing from the local view: a cache of parks recently
 * confirmed absent, and a limit on reads in flight. A confirmed absence is remembered
 * {@link #MISS_TTL} (30 s). It can be that long: the read only covers the few milliseconds before
 * the entry listener brings a new park into the view, the view is always consulted first, and an
 * arriving entry clears the park's miss at once ({@link #arrived}). The cache is bounded
 * ({@link #MAX_REMEMBERED}; Caffeine evicts the least useful entries, it never empties itself).
 * Thread-safe.
 */
final class OfflineLookups {

  static final Duration MISS_TTL = Duration.ofSeconds(30);
  /** Cluster reads for parks missing from the view, at most this many at once per node. */
  static final int MAX_IN_FLIGHT = 16;
  static final int MAX_REMEMBERED = 100_000;

  private final Cache<String, Boolean> misses = Caffeine.newBuilder()
      .expireAfterWrite(MISS_TTL).maximumSize(MAX_REMEMBERED).build();
  private final AtomicInteger inFlight = new AtomicInteger();

  /** Whether the park was confirmed absent within {@link #MISS_TTL}. */
  boolean recentlyMissing(String parkId) {
    return misses.getIfPresent(parkId) != null;
  }

  /** Takes a slot for one cluster read; false when {@link #MAX_IN_FLIGHT} are already running. */
  boolean tryStartRead() {
    if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
      inFlight.decrementAndGet();
      return false;
    }
    return true;
  }

  /** Ends a read started with {@link #tryStartRead}; {@code found} false remembers the miss. */
  void readEnded(String parkId, boolean found) {
    inFlight.decrementAndGet();
    if (!found) {
      misses.put(parkId, Boolean.TRUE);
    }
  }

  /** The park came online: forget its miss. */
  void arrived(String parkId) {
    misses.invalidate(parkId);
  }
}
