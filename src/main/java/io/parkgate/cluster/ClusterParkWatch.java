package io.parkgate.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import io.parkgate.bus.ParkEntry;
import io.parkgate.bus.ParkWatch;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The {@link ParkWatch} in the cluster: a Hazelcast map {@code parkgate.park-flaps} (parkId → the
 * times of its recent session openings, its recent takeovers between different hosts, and until
 * when it is flapping, banned or fought over), updated by one entry processor per admission on the
 * partition owner, so openings on different nodes count together. An entry lives a little longer
 * than the window and the ban; parks that open sessions rarely have none.
 *
 * <p><b>Duplicates.</b> A takeover is counted when the new controller's host differs from the
 * holder's (the holder as this node's directory view has it). Two hosts that each took the park
 * from the other within the window are two live controllers configured with the same park ID.
 * Two controllers behind one NAT address look like one host and are not told apart.
 */
public final class ClusterParkWatch implements ParkWatch {

  public static final String MAP_NAME = "parkgate.park-flaps";

  private final Vertx vertx;
  private final IMap<String, HazelcastJsonValue> map;
  private final Function<String, ParkEntry> holders;
  private final long windowMs;
  private final int maxSessions;
  private final long banMs;
  private final long timeoutMs;

  /**
   * @param holders     the park's current directory entry, from this node's view (or null)
   * @param maxSessions more sessions than this opened in {@code windowMs} is flapping
   * @param banMs       how long a flapping park's hellos are refused (0: never)
   */
  public ClusterParkWatch(Vertx vertx, HazelcastInstance hazelcast, Function<String, ParkEntry> holders,
      long windowMs, int maxSessions, long banMs, long timeoutMs) {
    this.vertx = vertx;
    this.map = hazelcast.getMap(MAP_NAME);
    this.holders = holders;
    this.windowMs = windowMs;
    this.maxSessions = maxSessions;
    this.banMs = banMs;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public Future<Opening> opening(String parkId, String remoteAddress) {
    ParkEntry holder = holders.apply(parkId);
    Opened op = new Opened(System.currentTimeMillis(), remoteAddress, holder == null ? null : holder.remoteAddress(),
        windowMs, maxSessions, banMs);
    return HazelcastFutures.onCaller(vertx, () -> map.submitToKey(parkId, op))
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .map(ClusterParkWatch::decode);
  }

  /** What the watch knows of these parks now (flapping, banned, duplicates), for the API. */
  public Future<Map<String, JsonObject>> states(Collection<String> parkIds) {
    Set<String> keys = new HashSet<>(parkIds);
    long now = System.currentTimeMillis();
    return vertx.executeBlocking(() -> map.getAll(keys), false)
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .map(found -> {
          Map<String, JsonObject> out = new HashMap<>();
          found.forEach((id, value) -> out.put(id, view(new JsonObject(value.getValue()), now)));
          return out;
        });
  }

  /** Parks flapping now whose records this member owns (sum it over the nodes for the cluster's count). */
  public Future<Integer> flappingOwnedHere() {
    long now = System.currentTimeMillis();
    return vertx.executeBlocking(() -> map.localKeySet(Predicates.greaterThan("flappingUntil", now)).size(), false)
        .timeout(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /** The API's view of a record: only what is true now. */
  static JsonObject view(JsonObject record, long now) {
    JsonObject out = new JsonObject().put("flapping", record.getLong("flappingUntil", 0L) > now)
        .put("sessionsInWindow", record.getJsonArray("opens", new JsonArray()).size());
    long bannedUntil = record.getLong("bannedUntil", 0L);
    if (bannedUntil > now) {
      out.put("bannedUntil", java.time.Instant.ofEpochMilli(bannedUntil).toString());
    }
    JsonObject duplicate = record.getJsonObject("duplicate");
    if (duplicate != null && duplicate.getLong("until", 0L) > now) {
      out.put("duplicateController", new JsonObject().put("addresses", duplicate.getJsonArray("addresses"))
          .put("at", java.time.Instant.ofEpochMilli(duplicate.getLong("at", 0L)).toString()));
    }
    return out;
  }

  private static Opening decode(String answer) {
    JsonObject o = new JsonObject(answer);
    JsonArray dup = o.getJsonArray("duplicates", new JsonArray());
    return new Opening(o.getLong("bannedForMs", 0L), o.getLong("flappingUntil", 0L),
        o.getBoolean("flappingStarted", false), o.getInteger("sessions", 1),
        dup.stream().map(String::valueOf).toList(), o.getBoolean("duplicateStarted", false));
  }

  /** The host part of "host:port" (or "[v6]:port"). */
  static String host(String address) {
    if (address == null) {
      return null;
    }
    String a = address.startsWith("/") ? address.substring(1) : address;
    if (a.startsWith("[")) {
      int end = a.indexOf(']');
      return end > 0 ? a.substring(1, end) : a;
    }
    int colon = a.lastIndexOf(':');
    return colon > 0 && a.indexOf(':') == colon ? a.substring(0, colon) : a;
  }

  /**
   * One admission: unless banned, counts the opening, and the takeover if the holder's host
   * differs; decides flapping, ban and duplicates; answers the {@link Opening} as JSON text.
   */
  static final class Opened implements EntryProcessor<String, HazelcastJsonValue, String> {
    private static final long serialVersionUID = 1L;
    private final long now;
    private final String remote;
    private final String holderRemote;
    private final long windowMs;
    private final int max;
    private final long banMs;

    Opened(long now, String remote, String holderRemote, long windowMs, int max, long banMs) {
      this.now = now;
      this.remote = remote;
      this.holderRemote = holderRemote;
      this.windowMs = windowMs;
      this.max = max;
      this.banMs = banMs;
    }

    @Override
    public String process(Map.Entry<String, HazelcastJsonValue> entry) {
      JsonObject r = entry.getValue() == null ? new JsonObject() : new JsonObject(entry.getValue().getValue());
      JsonObject answer = new JsonObject();
      long bannedUntil = r.getLong("bannedUntil", 0L);
      if (bannedUntil > now) {
        return answer.put("bannedForMs", bannedUntil - now).put("flappingUntil", r.getLong("flappingUntil", 0L))
            .put("sessions", r.getJsonArray("opens", new JsonArray()).size()).encode();
      }
      JsonArray opens = recent(r.getJsonArray("opens", new JsonArray()), o -> ((Number) o).longValue());
      opens.add(now);
      JsonArray takeovers = recent(r.getJsonArray("takeovers", new JsonArray()),
          o -> ((JsonObject) o).getLong("at"));
      String newHost = host(remote);
      String oldHost = host(holderRemote);
      if (oldHost != null && !oldHost.equals(newHost)) {
        takeovers.add(new JsonObject().put("at", now).put("from", holderRemote).put("to", remote));
      }
      long flappingBefore = r.getLong("flappingUntil", 0L);
      long flappingUntil = flappingBefore;
      int sessions = opens.size();
      if (sessions > max) {
        flappingUntil = opens.getLong(opens.size() - max - 1) + windowMs;
        if (banMs > 0) {
          r.put("bannedUntil", now + banMs);
          // the ban is the consequence; counting starts afresh once it lifts
          opens = new JsonArray();
        }
      }
      r.put("flappingUntil", flappingUntil).put("opens", opens).put("takeovers", takeovers);
      answer.put("flappingUntil", flappingUntil).put("flappingStarted", flappingUntil > now && flappingBefore <= now)
          .put("sessions", sessions);
      duplicates(r, takeovers, newHost, answer);
      long keepMs = Math.max(windowMs, banMs) + windowMs;
      ((ExtendedMapEntry<String, HazelcastJsonValue>) entry).setValue(new HazelcastJsonValue(r.encode()), keepMs,
          TimeUnit.MILLISECONDS);
      return answer.encode();
    }

    /** Two hosts that took the park from each other within the window are duplicates. */
    private void duplicates(JsonObject r, JsonArray takeovers, String newHost, JsonObject answer) {
      JsonObject latest = takeovers.isEmpty() ? null : takeovers.getJsonObject(takeovers.size() - 1);
      if (latest == null || latest.getLong("at") != now) {
        return;
      }
      String from = latest.getString("from");
      String fromHost = host(from);
      for (int i = takeovers.size() - 2; i >= 0; i--) {
        JsonObject t = takeovers.getJsonObject(i);
        if (fromHost.equals(host(t.getString("to"))) && newHost.equals(host(t.getString("from")))) {
          JsonObject before = r.getJsonObject("duplicate");
          boolean known = before != null && before.getLong("until", 0L) > now;
          JsonArray addresses = new JsonArray().add(from).add(remote);
          r.put("duplicate", new JsonObject().put("addresses", addresses).put("until", now + windowMs)
              .put("at", known ? before.getLong("at") : now));
          answer.put("duplicates", addresses).put("duplicateStarted", !known);
          return;
        }
      }
    }

    private JsonArray recent(JsonArray items, Function<Object, Long> at) {
      JsonArray out = new JsonArray();
      for (Object o : items) {
        if (now - at.apply(o) < windowMs) {
          out.add(o);
        }
      }
      return out;
    }
  }
}
