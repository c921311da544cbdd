package io.parkgate.bus;

import io.vertx.core.Future;

/**
 * Where parts of the node hand over {@link Notification}s for delivery (the webhooks' outbox).
 * {@link #notify} completes once the notification is durably queued for every subscription that
 * wants its type (at once when none does), so a caller that must not lose it (a gate event being
 * acknowledged) can wait for it; it fails, without queuing, when the outbox cannot be reached.
 * Safe from any Vert.x context; never blocks.
 */
public interface Notifier {

  /** Queues {@code notification}; see the class comment. */
  Future<Void> notify(Notification notification);

  /** A notifier with no subscriptions: everything completes at once. */
  Notifier NONE = n -> Future.succeededFuture();
}
