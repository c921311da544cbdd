package io.parkgate.webhook;

import io.micrometer.core.instrument.MeterRegistry;
import io.parkgate.bus.Notifier;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.config.Settings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * A node's webhooks, assembled from its configuration: the {@link Notifier} the rest of the node
 * hands notifications to, the {@link WebhookDeliverer} to deploy, and the read side the API serves
 * ({@link #list}, {@link #resend}). See docs/webhooks.md.
 */
public final class Webhooks {

  private final WebhookOutbox outbox;
  private final WebhookNotifier notifier;
  private final WebhookDeliverer deliverer;

  public Webhooks(Vertx vertx, ParkgateConfig config, WebhookOutbox outbox, QueueOwners owners, MeterRegistry registry) {
    List<WebhookSubscription> subscriptions = WebhookSubscription.parseAll(config.get(Settings.WEBHOOKS_SUBSCRIPTIONS));
    WebhookMetrics metrics = new WebhookMetrics(registry);
    this.outbox = outbox;
    this.notifier = new WebhookNotifier(vertx, subscriptions, outbox, owners, metrics);
    this.deliverer = new WebhookDeliverer(subscriptions, WebhookSecrets.parse(config.get(Settings.WEBHOOK_SECRETS)),
        outbox, owners, metrics, new WebhookDeliverer.Options(config.get(Settings.WEBHOOKS_TIMEOUT_MS),
            config.get(Settings.WEBHOOKS_CONCURRENCY), config.get(Settings.WEBHOOKS_FIRST_RETRY_MS),
            config.get(Settings.WEBHOOKS_MAX_BACKOFF_S) * 1000L, config.get(Settings.WEBHOOKS_MAX_RETRY_S) * 1000L,
            config.paymentStoreTimeoutMs()));
  }

  public Notifier notifier() {
    return notifier;
  }

  public WebhookDeliverer deliverer() {
    return deliverer;
  }

  /** Deliveries in {@code state}, in id order, after {@code after}; see {@link WebhookOutbox#list}. */
  public Future<WebhookOutbox.Page> list(DeliveryState state, String after, int limit) {
    return outbox.list(state, after, limit);
  }

  /**
   * Re-sends a dead letter: a new pending delivery of the same notification at the end of its
   * queue (so after what was queued meanwhile), delivered at once. Null when there is no such
   * delivery; fails with {@link WebhookOutbox.NotResendable} when it is not a dead letter.
   */
  public Future<Delivery> resend(String id) {
    return outbox.resend(id, System.currentTimeMillis()).andThen(ar -> {
      if (ar.succeeded() && ar.result() != null) {
        notifier.poke(ar.result().queue());
      }
    });
  }
}
