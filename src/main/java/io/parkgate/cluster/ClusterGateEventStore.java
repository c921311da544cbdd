package io.parkgate.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import io.parkgate.events.GateEvent;
import io.parkgate.events.GateEventStore;
import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.security.RecordSeal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The {@code cluster} gate-event store: a Hazelcast map {@code parkgate.gate-events}
 * ({@code parkId/eventId} → the event, {@link RecordSeal sealed}), with the payment records'
 * backups, so one node's death loses nothing; each entry lives for the retention after it was
 * stored. <b>A full cluster restart loses them</b>, as it loses the cluster's payment records
 * (use the postgres store where that matters). An insert is one entry processor on the key's
 * owner: two nodes storing the same event race on one partition, and the first wins.
 */
public final class ClusterGateEventStore implements GateEventStore {

  public static final String MAP_NAME = "parkgate.gate-events";

  private final Vertx vertx;
  private final IMap<String, String> map;
  private final ForgedRecords records;
  private final long retentionMs;
  private final long timeoutMs;

  public ClusterGateEventStore(Vertx vertx, HazelcastInstance hazelcast, RecordSeal seal, GatewayMetrics metrics,
      long retentionMs, long timeoutMs) {
    this.vertx = vertx;
    this.map = hazelcast.getMap(MAP_NAME);
    this.records = new ForgedRecords(MAP_NAME, seal, metrics);
    this.retentionMs = retentionMs;
    this.timeoutMs = timeoutMs;
  }

  /** The map key of an event: park IDs cannot contain a slash. */
  static String key(String parkId, String eventId) {
    return parkId + "/" + eventId;
  }

  @Override
  public Future<GateEvent> get(String parkId, String eventId) {
    String key = key(parkId, eventId);
    return op("read", () -> map.getAsync(key)).map(stored -> decode(key, stored));
  }

  @Override
  public Future<GateEvent> insert(GateEvent event) {
    String key = key(event.parkId(), event.eventId());
    String sealed = records.seal(key, event.toJson().encode());
    return op("insert", () -> map.submitToKey(key, new InsertIfAbsent(sealed, retentionMs))).map(existing -> {
      if (existing == null) {
        return event;
      }
      GateEvent first = decode(key, existing);
      // a record this cluster did not seal never stands for an event: refuse rather than trust it
      if (first == null) {
        throw GateEventStore.unavailable("insert", new IllegalStateException("gate event " + key
            + " is held by a record without a valid seal"));
      }
      return first;
    });
  }

  private GateEvent decode(String key, String stored) {
    String json = records.open(key, stored);
    return json == null ? null : GateEvent.fromJson(new JsonObject(json));
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  private <T> Future<T> op(String what, Supplier<? extends CompletionStage<T>> start) {
    return HazelcastFutures.onCaller(vertx, start).timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(e instanceof io.parkgate.bus.GatewayException ? e
            : GateEventStore.unavailable(what, e)));
  }

  /** Stores the value unless the key holds one; answers the value that was there (null: stored). */
  static final class InsertIfAbsent implements EntryProcessor<String, String, String> {
    private static final long serialVersionUID = 1L;
    private final String value;
    private final long ttlMs;

    InsertIfAbsent(String value, long ttlMs) {
      this.value = value;
      this.ttlMs = ttlMs;
    }

    @Override
    public String process(Map.Entry<String, String> entry) {
      if (entry.getValue() != null) {
        return entry.getValue();
      }
      ((ExtendedMapEntry<String, String>) entry).setValue(value, ttlMs, TimeUnit.MILLISECONDS);
      return null;
    }
  }
}
