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
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code cluster} park history: a Hazelcast map {@code parkgate.park-events} (parkId → the
 * park's last {@link ParkHistory#MAX_EVENTS} session events and last {@link ParkHistory#MAX_EVENTS}
 * gate-reported ones, oldest first, with the last sequence number), one backup, so the death of the
 * node that recorded an event loses nothing. An append is one entry processor on the partition
 * owner: no read-modify-write race between nodes recording the same park (a takeover's close on
 * one node, its open on another). The entry lives for the retention after the park's last event;
 * <b>a full cluster restart loses the history</b> (the postgres store keeps it).
 *
 * <p>The map is kept in Hazelcast's {@code OBJECT} in-memory format ({@link ClusterManagers} sets
 * it), and a park's value is an {@link Events} list of encoded events: an append adds one string
 * and trims, on the owner and on the backup alike, without decoding or re-encoding the park's
 * whole history (which cost about 0.3 ms per append with 200 events kept, measured by
 * bench/events/run). Only the newest event is decoded, when a refusal may fold into it. A value in
 * the format of earlier releases (the whole list as one JSON text) is read and converted on its
 * next append.
 */
public final class ClusterParkHistory implements ParkHistory {

  public static final String MAP_NAME = "parkgate.park-events";

  private final Vertx vertx;
  private final IMap<String, Object> map;
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
    return bounded(HazelcastFutures.onCaller(vertx, () -> map.getAsync(parkId))).map(value -> {
      Events events = Events.of(value);
      List<JsonObject> items = new ArrayList<>();
      Long next = null;
      for (int i = events.size() - 1; i >= 0; i--) {
        long seq = events.seq(i);
        if (before != null && seq >= before) {
          continue;
        }
        if (items.size() == limit) {
          next = items.get(items.size() - 1).getLong("seq");
          break;
        }
        items.add(ParkEvent.toApiJson(events.event(i), seq));
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
   * A park's events, oldest first: each as its stored JSON text (with {@code seq}, and
   * {@code foldKey} when it may fold), with what an append needs beside it so that it never has to
   * decode them. Touched only by the partition thread of its key.
   */
  static final class Events implements Serializable {
    private static final long serialVersionUID = 1L;
    private long seq;
    private final ArrayList<String> json = new ArrayList<>();
    private final ArrayList<Long> seqs = new ArrayList<>();
    private final ArrayList<Boolean> gate = new ArrayList<>();

    /** The stored value, in this form whatever its format (null: no events). */
    static Events of(Object value) {
      if (value instanceof Events events) {
        return events;
      }
      Events events = new Events();
      if (value instanceof String text) { // the earlier releases' format: one JSON text
        JsonObject state = new JsonObject(text);
        events.seq = state.getLong("seq", 0L);
        for (Object o : state.getJsonArray("events", new JsonArray())) {
          JsonObject e = (JsonObject) o;
          events.add(e.encode(), e.getLong("seq", 0L), ParkEvent.gateReported(e));
        }
      }
      return events;
    }

    int size() {
      return json.size();
    }

    long seq(int i) {
      return seqs.get(i);
    }

    JsonObject event(int i) {
      return new JsonObject(json.get(i));
    }

    private void add(String text, long eventSeq, boolean gateReported) {
      json.add(text);
      seqs.add(eventSeq);
      gate.add(gateReported);
    }

    private void remove(int i) {
      json.remove(i);
      seqs.remove(i);
      gate.remove(i);
    }
  }

  /**
   * Appends one event to the park's list (or folds it into the newest, see {@link ParkHistory}),
   * numbers it, trims the events of its kind to {@code max}, and renews the entry's time to live.
   */
  static final class Append implements EntryProcessor<String, Object, Void> {
    private static final long serialVersionUID = 2L;
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
    public Void process(Map.Entry<String, Object> entry) {
      Events events = Events.of(entry.getValue());
      int newestIndex = events.size() - 1;
      JsonObject newest = foldKey == null || newestIndex < 0 || events.gate.get(newestIndex) ? null
          : events.event(newestIndex);
      if (newest != null && foldKey.equals(newest.getString("foldKey"))
          && at - newest.getLong("at", 0L) < ParkEvent.FOLD_WINDOW_MS) {
        newest.put("count", newest.getInteger("count", 1) + 1)
            .put("firstAt", newest.getLong("firstAt", newest.getLong("at")))
            .put("at", Math.max(at, newest.getLong("at", 0L)));
        events.json.set(newestIndex, newest.encode());
      } else {
        long seq = events.seq + 1;
        JsonObject stored = new JsonObject(event).put("seq", seq);
        if (foldKey != null) {
          stored.put("foldKey", foldKey);
        }
        boolean gateReported = ParkEvent.gateReported(stored);
        events.add(stored.encode(), seq, gateReported);
        trim(events, gateReported, max);
        events.seq = seq;
      }
      ((ExtendedMapEntry<String, Object>) entry).setValue(events, ttlMs, TimeUnit.MILLISECONDS);
      return null;
    }

    /** Drops the oldest events of the new one's kind (gate-reported or not) beyond {@code max}. */
    private static void trim(Events events, boolean gateReported, int max) {
      int kept = 0;
      for (int i = events.size() - 1; i >= 0; i--) {
        if (events.gate.get(i) == gateReported && ++kept > max) {
          events.remove(i);
        }
      }
    }
  }
}
