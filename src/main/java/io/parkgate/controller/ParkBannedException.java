package io.parkgate.controller;

/** A hello refused because its park is banned for flapping; the ban lifts in {@link #retryAfterMs()}. */
final class ParkBannedException extends RuntimeException {

  private final long retryAfterMs;

  ParkBannedException(String parkId, long retryAfterMs) {
    super("park " + parkId + " opened too many sessions and is refused for " + (retryAfterMs + 999) / 1000
        + " s; retry after that", null, false, false);
    this.retryAfterMs = retryAfterMs;
  }

  long retryAfterMs() {
    return retryAfterMs;
  }
}
