package io.parkgate.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.List;

/**
 * The body of a request to a controller-verticle instance's own address ({@link Addresses#controllerHost}):
 * operations on the instance, never forwarded to a controller.
 *
 * @param op       {@link #EVICT} or {@link #LIVE}
 * @param parkId   the park to evict (EVICT)
 * @param epoch    the newer session's epoch: sessions of the park below it must go (EVICT)
 * @param parkIds  the parks whose live state is wanted (LIVE); the answer maps each one the
 *                 instance holds to its status ({@link ControllerCall#OP_STATUS}'s body)
 * @param by       the newer session, for the evicted one's history: {@code remoteAddress} and
 *                 {@code node} (EVICT; may be empty)
 */
public record HostOp(String op, String parkId, long epoch, List<String> parkIds, JsonObject by) {

  /** A newer session of the park exists: close older ones (answer {@code {"evicted": bool}}). */
  public static final String EVICT = "evict";
  /** The live state of the sessions of the given parks this instance holds. */
  public static final String LIVE = "live";

  public static HostOp evict(String parkId, long newerEpoch, JsonObject by) {
    return new HostOp(EVICT, parkId, newerEpoch, List.of(), by);
  }

  public static HostOp live(Collection<String> parkIds) {
    return new HostOp(LIVE, null, 0, List.copyOf(parkIds), new JsonObject());
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("op", op);
    if (parkId != null) {
      json.put("parkId", parkId).put("epoch", epoch);
    }
    if (by != null && !by.isEmpty()) {
      json.put("by", by);
    }
    if (!parkIds.isEmpty()) {
      json.put("parkIds", new JsonArray(parkIds));
    }
    return json;
  }

  public static HostOp fromJson(JsonObject json) {
    JsonArray ids = json.getJsonArray("parkIds", new JsonArray());
    return new HostOp(json.getString("op", ""), json.getString("parkId"), json.getLong("epoch", 0L),
        ids.stream().filter(String.class::isInstance).map(String.class::cast).toList(),
        json.getValue("by") instanceof JsonObject by ? by : new JsonObject());
  }

  /** The answer to {@link #EVICT}. */
  public static JsonObject evicted(boolean evicted) {
    return new JsonObject().put("evicted", evicted);
  }
}
