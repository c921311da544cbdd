package io.parkgate.webhook;

import java.util.Locale;

/**
 * Where one delivery (one notification for one subscription) is:
 * <pre>
 *   pending ──▶ delivered   (the receiver answered 2xx)
 *      │ ▲
 *      │ └─ retried (non-2xx, timeout, refused: attempts + 1, a later nextAttemptAt)
 *      └──▶ failed ──▶ resent   (dead letter: no 2xx within webhooks.maxRetryS;
 *                               re-sending queues a new pending copy, same notification id)
 * </pre>
 */
public enum DeliveryState {
  PENDING, DELIVERED, FAILED, RESENT;

  public boolean isFinal() {
    return this != PENDING;
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** @throws IllegalArgumentException for a name that is not a state */
  public static DeliveryState fromWire(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
