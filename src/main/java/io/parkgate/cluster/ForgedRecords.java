package io.parkgate.cluster;

import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.security.RecordSeal;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the records of one Hazelcast map with the cluster's {@link RecordSeal}, and reports the ones
 * that fail: each is counted ({@code parkgate.records.forged{map}}) and logged at WARN at most once
 * per {@link #LOG_INTERVAL_NANOS} with the number seen since, so a stranger writing garbage cannot
 * flood the log. Thread-safe.
 */
final class ForgedRecords {

  private static final Logger LOG = LoggerFactory.getLogger(ForgedRecords.class);
  static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

  private final String map;
  private final RecordSeal seal;
  private final GatewayMetrics metrics;
  private final AtomicLong lastLogNanos = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);
  private final AtomicLong unlogged = new AtomicLong();

  ForgedRecords(String map, RecordSeal seal, GatewayMetrics metrics) {
    this.map = map;
    this.seal = seal;
    this.metrics = metrics;
  }

  String seal(String key, String json) {
    return seal.seal(map, key, json);
  }

  /** The verified JSON of a stored record; null when absent, or (reported) when its seal is bad. */
  String open(String key, String stored) {
    if (stored == null) {
      return null;
    }
    String json = seal.open(map, key, stored);
    if (json == null) {
      report(key);
    }
    return json;
  }

  private void report(String key) {
    metrics.forgedRecord(map);
    long seen = unlogged.incrementAndGet();
    long now = System.nanoTime();
    long last = lastLogNanos.get();
    if (now - last >= LOG_INTERVAL_NANOS && lastLogNanos.compareAndSet(last, now)) {
      unlogged.addAndGet(-seen);
      LOG.atWarn().setMessage("refused a record without a valid seal: written by something that does not hold"
              + " the cluster secret").addKeyValue("map", map).addKeyValue("key", key)
          .addKeyValue("refusedSinceLastWarning", seen).log();
    }
  }
}
