package io.parkgate.webhook;

import io.parkgate.bus.Addresses;
import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.GatewayException;
import io.parkgate.bus.Notification;
import io.parkgate.bus.Notifier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's {@link Notifier}: a notification is written to the outbox once per subscription that
 * wants its type, and {@link #notify} completes when every copy is stored (with backups, or
 * committed); then the nodes that deliver those queues are told (a hint; their scans find the work
 * anyway). With no subscription for the type it completes at once and stores nothing. At most
 * {@link #MAX_IN_FLIGHT} writes run at once per node; past that {@code notify} fails at once
 * (STORE_UNAVAILABLE) rather than queue in memory.
 */
public final class WebhookNotifier implements Notifier {

  static final int MAX_IN_FLIGHT = 10_000;

  private final Vertx vertx;
  private final List<WebhookSubscription> subscriptions;
  private final WebhookOutbox outbox;
  private final QueueOwners owners;
  private final WebhookMetrics metrics;
  private final AtomicInteger inFlight = new AtomicInteger();

  public WebhookNotifier(Vertx vertx, List<WebhookSubscription> subscriptions, WebhookOutbox outbox, QueueOwners owners,
      WebhookMetrics metrics) {
    this.vertx = vertx;
    this.subscriptions = List.copyOf(subscriptions);
    this.outbox = outbox;
    this.owners = owners;
    this.metrics = metrics;
  }

  /** The JSON POSTed for {@code n}: {@code {id, type, occurredAt, parkId, data}}, occurredAt as ISO-8601. */
  public static JsonObject payload(Notification n) {
    return new JsonObject().put("id", n.id()).put("type", n.type())
        .put("occurredAt", Instant.ofEpochMilli(n.occurredAt()).toString()).put("parkId", n.parkId()).put("data", n.data());
  }

  /** Whether some subscription wants notifications of {@code type} (callers may skip building them). */
  public boolean wants(String type) {
    return subscriptions.stream().anyMatch(s -> s.wants(type));
  }

  @Override
  public Future<Void> notify(Notification n) {
    List<String> names = subscriptions.stream().filter(s -> s.wants(n.type())).map(WebhookSubscription::name).toList();
    if (names.isEmpty()) {
      return Future.succeededFuture();
    }
    if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
      inFlight.decrementAndGet();
      metrics.notification("dropped");
      return Future.failedFuture(new GatewayException(ErrorCode.STORE_UNAVAILABLE,
          "the webhook outbox has " + MAX_IN_FLIGHT + " writes in flight on this node; try again"));
    }
    return outbox.append(n.parkId(), n.id(), n.type(), payload(n).encode(), names, System.currentTimeMillis())
        .andThen(ar -> {
          inFlight.decrementAndGet();
          metrics.notification(ar.succeeded() ? "queued" : "failed");
          if (ar.succeeded()) {
            ar.result().forEach(d -> poke(d.queue()));
          }
        })
        .mapEmpty();
  }

  /** Tells the node delivering {@code queue} that it has work (nothing when nobody owns it: the scan will). */
  public void poke(QueueRef queue) {
    String owner = owners.ownerOf(queue);
    if (owner != null) {
      vertx.eventBus().send(Addresses.webhooks(owner), new JsonObject().put("queue", queue.key()));
    }
  }
}
