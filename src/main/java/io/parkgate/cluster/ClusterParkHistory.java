package io.parkgate.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import io.parkgate.bus.ParkEvent;
import io.parkgate.history.ParkHistory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code cluster} park history: a Hazelcast map {@code parkgate.park-events} (parkId → the
 * park's last {@link ParkHistory#MAX_EVENTS} session events and last {@link ParkHistory#MAX_EVENTS}
 * gate-reported ones as one JSON text, oldest first, with the last sequence number), one backup, so the death of the node that recorded an event loses nothing. An
 * append is one entry processor on the partition owner: no read-modify-write race between nodes
 * recording the same park (a takeover's close on one node, its open on another). The entry lives
 * for the retention after the park's last event; <b>a full cluster restart loses the history</b>
 * (the postgres store keeps it).
 */
public final class ClusterParkHistory implements ParkHistory {

  public static final String MAP_NAME = "parkgate.park-events";

  private final Vertx vertx;
  private final IMap<String, String> map;
  private final long retentionMs;
  private final long timeoutMs;

  public ClusterParkHistory(Vertx vertx, HazelcastInstance hazelcast, long retentionMs, long timeoutMs) {
    this.vertx = vertx;
    this.map = hazelcast.getMap(MAP_NAME);
    this.retentionMs = retentionMs;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public Future<Void> append(ParkEvent event) {
    return bounded(HazelcastFutures.onCaller(vertx, () -> map.submitToKey(event.parkId(),
        new Append(event.toJson().encode(), event.foldKey(), event.at(), MAX_EVENTS, retentionMs)))).mapEmpty();
  }

  @Override
  public Future<Page> recent(String parkId, Long before, int limit) {
    return bounded(HazelcastFutures.onCaller(vertx, () -> map.getAsync(parkId))).map(text -> {
      if (text == null) {
        return new Page(List.of(), null);
      }
      JsonArray events = new JsonObject(text).getJsonArray("events", new JsonArray());
      List<JsonObject> items = new ArrayList<>();
      Long next = null;
      for (int i = events.size() - 1; i >= 0; i--) {
        JsonObject stored = events.getJsonObject(i);
        long seq = stored.getLong("seq", 0L);
        if (before != null && seq >= before) {
          continue;
        }
        if (items.size() == limit) {
          next = items.get(items.size() - 1).getLong("seq");
          break;
        }
        items.add(ParkEvent.toApiJson(stored, seq));
      }
      return new Page(items, next);
    });
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  private <T> Future<T> bounded(Future<T> operation) {
    return operation.timeout(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /**
   * Appends one event to the park's list (or folds it into the newest, see {@link ParkHistory}),
   * numbers it, trims the list to {@code max}, and renews the entry's time to live.
   */
  static final class Append implements EntryProcessor<String, String, Void> {
    private static final long serialVersionUID = 1L;
    private final String event;
    private final String foldKey;
    private final long at;
    private final int max;
    private final long ttlMs;

    Append(String event, String foldKey, long at, int max, long ttlMs) {
      this.event = event;
      this.foldKey = foldKey;
      this.at = at;
      this.max = max;
      this.ttlMs = ttlMs;
    }

    @Override
    public Void process(Map.Entry<String, String> entry) {
      JsonObject state = entry.getValue() == null ? new JsonObject() : new JsonObject(entry.getValue());
      JsonArray events = state.getJsonArray("events", new JsonArray());
      JsonObject newest = events.isEmpty() ? null : events.getJsonObject(events.size() - 1);
      if (foldKey != null && newest != null && foldKey.equals(newest.getString("foldKey"))
          && at - newest.getLong("at", 0L) < ParkEvent.FOLD_WINDOW_MS) {
        newest.put("count", newest.getInteger("count", 1) + 1)
            .put("firstAt", newest.getLong("firstAt", newest.getLong("at")))
            .put("at", Math.max(at, newest.getLong("at", 0L)));
      } else {
        long seq = state.getLong("seq", 0L) + 1;
        JsonObject stored = new JsonObject(event).put("seq", seq);
        if (foldKey != null) {
          stored.put("foldKey", foldKey);
        }
        events.add(stored);
        trim(events, ParkEvent.gateReported(stored), max);
        state.put("seq", seq);
      }
      state.put("events", events);
      ((ExtendedMapEntry<String, String>) entry).setValue(state.encode(), ttlMs, TimeUnit.MILLISECONDS);
      return null;
    }

    /** Drops the oldest events of the new one's kind (gate-reported or not) beyond {@code max}. */
    private static void trim(JsonArray events, boolean gate, int max) {
      int kept = 0;
      for (int i = events.size() - 1; i >= 0; i--) {
        if (ParkEvent.gateReported(events.getJsonObject(i)) == gate && ++kept > max) {
          events.remove(i);
        }
      }
    }
  }
}
