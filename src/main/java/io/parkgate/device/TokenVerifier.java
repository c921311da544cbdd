package io.parkgate.device;

import io.parkgate.security.ParkTokens;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Checks a hello's token and rate-limits failures per remote host: after
 * {@link #MAX_FAILURES} failed hellos within {@link #WINDOW_NANOS}, every hello from that host is
 * refused until the window ends, valid token or not. One instance per node, shared by the device
 * verticles (hence the concurrent map); the map is bounded.
 */
final class TokenVerifier {

  static final int MAX_FAILURES = 10;
  static final long WINDOW_NANOS = 60_000_000_000L;
  private static final int MAX_TRACKED_HOSTS = 100_000;

  /** Failures of one host in the current window. */
  private record Window(long startNanos, int failures) {
  }

  private final ParkTokens tokens;
  private final ConcurrentMap<String, Window> failures = new ConcurrentHashMap<>();

  /** @param tokens null accepts any token (only when explicitly configured as insecure) */
  TokenVerifier(ParkTokens tokens) {
    this.tokens = tokens;
  }

  /** Whether the host may try at all right now. */
  boolean throttled(String host) {
    Window w = failures.get(host);
    return w != null && System.nanoTime() - w.startNanos() < WINDOW_NANOS && w.failures() >= MAX_FAILURES;
  }

  boolean accepts(String parkId, String token, String host) {
    if (tokens == null) {
      return true;
    }
    if (tokens.verify(parkId, token)) {
      return true;
    }
    if (failures.size() >= MAX_TRACKED_HOSTS) {
      failures.clear();
    }
    long now = System.nanoTime();
    failures.merge(host, new Window(now, 1), (old, one) -> now - old.startNanos() >= WINDOW_NANOS
        ? one : new Window(old.startNanos(), old.failures() + 1));
    return false;
  }
}
