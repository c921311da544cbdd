package io.parkgate.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.parkgate.bus.GateReports;
import io.parkgate.bus.Notification;
import io.parkgate.bus.Notifier;
import io.parkgate.bus.ParkEvent;
import io.parkgate.history.ParkHistory;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores what gates report, then acknowledges. For a new event, in this order:
 * <ol>
 *   <li>the store is asked whether the event is there already (a repeat is answered at once, the
 *       same as the first time, with nothing stored or sent again);</li>
 *   <li>its notification is queued for the webhooks ({@link Notifier}), durably;</li>
 *   <li>the event is stored (the first of two racing reports wins; both are answered with it);</li>
 *   <li>it is added to the park's history (the events endpoint's listing, best effort: the store
 *       holds the record);</li>
 *   <li>the controller is answered.</li>
 * </ol>
 * A failure in 2 or 3 answers the controller {@code STORE_UNAVAILABLE} and it sends the event again:
 * a notification queued before a failed store is then queued twice, with the same id, which the
 * webhooks' at-least-once contract allows; an event is never acknowledged before it is stored.
 */
public final class GateEventIntake implements GateReports {

  private static final Logger LOG = LoggerFactory.getLogger(GateEventIntake.class);

  private final String nodeId;
  private final GateEventStore store;
  private final ParkHistory history;
  private final Notifier notifier;
  private final Map<String, Counter> stored = new HashMap<>();
  private final Counter duplicates;
  private final Counter failed;
  private final Counter invalid;
  private final Counter unlisted;
  private final Timer latency;

  public GateEventIntake(String nodeId, GateEventStore store, ParkHistory history, Notifier notifier,
      MeterRegistry registry) {
    this.nodeId = nodeId;
    this.store = store;
    this.history = history;
    this.notifier = notifier;
    String name = "parkgate.gate.events";
    String description = "Gate-reported events (event.report) this node answered, by outcome";
    for (String type : GateEvent.TYPES) {
      stored.put(type, Counter.builder(name).description(description).tag("outcome", "stored").tag("type", type)
          .register(registry));
    }
    duplicates = Counter.builder(name).description(description).tag("outcome", "duplicate").tag("type", "any")
        .register(registry);
    failed = Counter.builder(name).description(description).tag("outcome", "failed").tag("type", "any")
        .register(registry);
    invalid = Counter.builder(name).description(description).tag("outcome", "invalid").tag("type", "any")
        .register(registry);
    unlisted = Counter.builder("parkgate.gate.events.unlisted")
        .description("Stored gate events that could not be added to the park's history listing").register(registry);
    latency = Timer.builder("parkgate.gate.event.store")
        .description("From an event.report's arrival to its acknowledgement (stored, or a repeat found)")
        .publishPercentiles(0.5, 0.99).register(registry);
  }

  @Override
  public Future<JsonObject> report(String parkId, JsonObject params) {
    long started = System.nanoTime();
    GateEvent event;
    try {
      event = GateEvent.parse(parkId, params, System.currentTimeMillis());
    } catch (IllegalArgumentException e) {
      invalid.increment();
      return Future.failedFuture(e);
    }
    return store.get(parkId, event.eventId()).compose(existing -> {
      if (existing != null) {
        duplicates.increment();
        return Future.succeededFuture(existing.ack());
      }
      return notifier.notify(notification(event))
          .compose(v -> store.insert(event))
          .compose(first -> {
            if (first != event) { // another report of it was stored first
              duplicates.increment();
              return Future.succeededFuture(first.ack());
            }
            stored.get(event.type()).increment();
            return history.append(historyEvent(event, nodeId)).otherwise(e -> {
              unlisted.increment();
              LOG.debug("park {}: gate event {} stored but not listed: {}", parkId, event.eventId(), e.toString());
              return null;
            }).map(v -> event.ack());
          });
    }).onComplete(ar -> {
      latency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      if (ar.failed()) {
        failed.increment();
      }
    });
  }

  /** The webhook notification of a gate event; its id is stable across repeats of the report. */
  static Notification notification(GateEvent event) {
    return new Notification("gate:" + event.parkId() + ":" + event.eventId(), event.type(), event.at(),
        event.parkId(), event.toApiFields());
  }

  /** The history's copy: shown by the events endpoint among the session events. */
  static ParkEvent historyEvent(GateEvent event, String nodeId) {
    JsonObject fields = event.toApiFields();
    fields.remove("occurredAt");
    return new ParkEvent(event.parkId(), event.type(), event.at(), fields.put("source", ParkEvent.SOURCE_GATE)
        .put("node", nodeId));
  }
}
