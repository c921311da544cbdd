package io.parkgate.history;

import io.micrometer.core.instrument.Counter;
import io.parkgate.bus.ParkEvent;
import io.parkgate.bus.SessionEvents;
import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.metrics.LogLimit;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the node's session events to the {@link ParkHistory}, never in the way of a session: an
 * append is started and forgotten (its outcome counted), and at most {@link #MAX_IN_FLIGHT} run at
 * once per node; past that (a reconnect storm against a slow store) events are dropped and
 * counted, not queued without bound. A store that fails is reported in one WARN line per 10 s.
 * The history is for people reading it; payments never depend on it.
 */
public final class HistoryRecorder implements SessionEvents {

  private static final Logger LOG = LoggerFactory.getLogger(HistoryRecorder.class);
  /** Appends running at once on this node. */
  static final int MAX_IN_FLIGHT = 10_000;

  private final ParkHistory history;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Counter stored;
  private final Counter failed;
  private final Counter dropped;
  private final LogLimit failures = new LogLimit(10, TimeUnit.SECONDS);

  public HistoryRecorder(ParkHistory history, GatewayMetrics metrics) {
    this.history = history;
    String name = "parkgate.history.events";
    String description = "Park history events this node recorded, by outcome";
    this.stored = Counter.builder(name).description(description).tag("outcome", "stored").register(metrics.registry());
    this.failed = Counter.builder(name).description(description).tag("outcome", "failed").register(metrics.registry());
    this.dropped = Counter.builder(name).description(description).tag("outcome", "dropped").register(metrics.registry());
  }

  @Override
  public void event(ParkEvent event) {
    if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
      inFlight.decrementAndGet();
      dropped.increment();
      return;
    }
    history.append(event).onComplete(ar -> {
      inFlight.decrementAndGet();
      if (ar.succeeded()) {
        stored.increment();
        return;
      }
      failed.increment();
      long count = failures.permit();
      if (count > 0) {
        LOG.warn("park history: {} events could not be stored (the latest, for park {}: {})", count,
            event.parkId(), ar.cause().toString());
      }
    });
  }
}
