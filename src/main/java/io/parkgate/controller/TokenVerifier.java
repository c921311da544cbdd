package io.parkgate.controller;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.parkgate.security.ParkTokens;
import java.util.concurrent.TimeUnit;

/**
 * Checks a hello's token and limits failed hellos so that guessing tokens does not pay, without
 * letting one bad actor behind a shared (NAT) address lock out that address's other gates:
 * <ul>
 *   <li><b>per source address and park ID:</b> after {@link #MAX_FAILURES_PER_PARK} failures
 *       within {@link #WINDOW_NANOS}, every hello for that park from that address is refused
 *       until the window (started by its first failure) ends, valid token or not;</li>
 *   <li><b>per source address:</b> after {@link #MAX_FAILURES_PER_SOURCE} failures within the
 *       window, over all parks, a hello that fails verification is refused as coming from an
 *       address that tries too much, and locks its (address, park) at once; a hello with a
 *       valid token for a park that is not locked is still accepted.</li>
 * </ul>
 * So a guesser gets 10 tries per park and, past the ceiling, one per park per window; a valid
 * gate behind the same address is only locked out when its own park ID was the target. One
 * instance per node, shared by the controller verticles (Caffeine caches are thread-safe); both maps
 * are bounded in size and their entries expire with their window.
 */
final class TokenVerifier {

  static final int MAX_FAILURES_PER_PARK = 10;
  static final int MAX_FAILURES_PER_SOURCE = 200;
  static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final int MAX_TRACKED = 100_000;

  /** What became of a hello. */
  /** ACCEPTED: under the current secret (or no check); ACCEPTED_PREVIOUS: under the one being rotated out. */
  enum Verdict { ACCEPTED, ACCEPTED_PREVIOUS, INVALID, PARK_LOCKED, SOURCE_CEILING }

  /** Failures in a window that started at {@code startNanos}. */
  private record Window(long startNanos, int failures) {
    Window plusOne(long now) {
      return now - startNanos >= WINDOW_NANOS ? new Window(now, 1) : new Window(startNanos, failures + 1);
    }

    int live(long now) {
      return now - startNanos >= WINDOW_NANOS ? 0 : failures;
    }
  }

  /** (source, park) and source keys; a park ID never contains a space. */
  private static String parkKey(String host, String parkId) {
    return host + " " + parkId;
  }

  private final ParkTokens tokens;
  private final Cache<String, Window> perPark = windows();
  private final Cache<String, Window> perSource = windows();

  /** @param tokens null accepts any token (only when explicitly configured as insecure) */
  TokenVerifier(ParkTokens tokens) {
    this.tokens = tokens;
  }

  /** Entries live until their window ends, counted from the window's first failure. */
  private static Cache<String, Window> windows() {
    return Caffeine.newBuilder()
        .maximumSize(MAX_TRACKED)
        .expireAfter(new Expiry<String, Window>() {
          @Override
          public long expireAfterCreate(String key, Window w, long now) {
            return Math.max(0, WINDOW_NANOS - (now - w.startNanos()));
          }

          @Override
          public long expireAfterUpdate(String key, Window w, long now, long currentDuration) {
            return expireAfterCreate(key, w, now);
          }

          @Override
          public long expireAfterRead(String key, Window w, long now, long currentDuration) {
            return currentDuration;
          }
        })
        .build();
  }

  /** Verifies {@code token} for {@code parkId} from {@code host}, counting a failure if it is one. */
  Verdict check(String parkId, String token, String host) {
    if (tokens == null) {
      return Verdict.ACCEPTED;
    }
    long now = System.nanoTime();
    String key = parkKey(host, parkId);
    Window park = perPark.getIfPresent(key);
    if (park != null && park.live(now) >= MAX_FAILURES_PER_PARK) {
      return Verdict.PARK_LOCKED;
    }
    int secret = tokens.match(parkId, token);
    if (secret >= 0) {
      return secret == 0 ? Verdict.ACCEPTED : Verdict.ACCEPTED_PREVIOUS;
    }
    Window source = perSource.asMap().merge(host, new Window(now, 1), (old, one) -> old.plusOne(now));
    if (source.failures() > MAX_FAILURES_PER_SOURCE) {
      perPark.put(key, new Window(now, MAX_FAILURES_PER_PARK));
      return Verdict.SOURCE_CEILING;
    }
    perPark.asMap().merge(key, new Window(now, 1), (old, one) -> old.plusOne(now));
    return Verdict.INVALID;
  }
}
