package io.parkgate.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The webhooks' metrics (docs/operations.md lists them). Labels: {@code subscription} (a name from
 * the configuration: a small fixed set) and {@code outcome}; never a park or an id.
 */
public final class WebhookMetrics {

  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Timer> delays = new ConcurrentHashMap<>();
  private final AtomicLong pending = new AtomicLong();

  public WebhookMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("parkgate.webhook.outbox.pending", pending, AtomicLong::get)
        .description("Pending webhook deliveries in the queues this node delivers (sum over the nodes for the cluster)")
        .register(registry);
  }

  /**
   * How one POST ended: {@code delivered} (2xx), {@code retried} (failed, another attempt is due) or
   * {@code dead} (failed past webhooks.maxRetryS: dead-lettered).
   */
  public void attempt(String subscription, String outcome) {
    counter("parkgate.webhook.deliveries", "Webhook POSTs by how they ended", subscription, outcome).increment();
  }

  /** A notification was queued, failed to queue (outbox unreachable) or was dropped (too many in flight). */
  public void notification(String outcome) {
    counter("parkgate.webhook.notifications", "Notifications handed to the webhook outbox, by outcome", null, outcome)
        .increment();
  }

  /** From queued to the receiver's 2xx. */
  public void delay(String subscription, long ms) {
    delays.computeIfAbsent(subscription, s -> Timer.builder("parkgate.webhook.delivery.delay")
        .description("From a notification's queuing to its receiver's 2xx answer").tag("subscription", s)
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofHours(24))
        .register(registry)).record(ms, TimeUnit.MILLISECONDS);
  }

  /** The latest scan's count of pending deliveries in the queues this node delivers. */
  public void pending(long count) {
    pending.set(count);
  }

  private Counter counter(String name, String description, String subscription, String outcome) {
    String key = name + "/" + subscription + "/" + outcome;
    return counters.computeIfAbsent(key, k -> {
      Counter.Builder b = Counter.builder(name).description(description).tag("outcome", outcome);
      if (subscription != null) {
        b.tag("subscription", subscription);
      }
      return b.register(registry);
    });
  }
}
