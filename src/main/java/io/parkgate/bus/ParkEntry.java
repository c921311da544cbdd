package io.parkgate.bus;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * The directory's record of one online park: which node and which controller-verticle instance hold its
 * session, and the session's cluster-unique epoch. Stored in the cluster as its JSON text, so that
 * "is this still my entry?" is a plain string comparison on the partition owner.
 *
 * @param parkId        the park
 * @param nodeId        the Hazelcast member UUID of the node holding the socket
 * @param address       the event-bus address of the controller-verticle instance holding the session
 * @param epoch         cluster-unique, increasing per session; a higher epoch supersedes a lower one
 * @param remoteAddress the controller's address as the node sees it
 * @param connectedAt   epoch milliseconds when the socket connected
 * @param protocol      the controller protocol ("v1" or "legacy")
 * @param authenticated whether the controller proved who it is (a valid token); an unauthenticated
 *                      session never displaces an authenticated one
 */
public record ParkEntry(String parkId, String nodeId, String address, long epoch,
    String remoteAddress, long connectedAt, String protocol, boolean authenticated) {

  /** Whether this session may take the park from {@code holder}: newer, and no less proven. */
  public boolean mayDisplace(ParkEntry holder) {
    return holder == null || (holder.epoch() <= epoch && (authenticated || !holder.authenticated()));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("parkId", parkId)
        .put("node", nodeId)
        .put("address", address)
        .put("epoch", epoch)
        .put("remoteAddress", remoteAddress)
        .put("connectedAt", connectedAt)
        .put("protocol", protocol)
        .put("authenticated", authenticated);
  }

  /** The public view of the entry (no internal address; times as ISO-8601). */
  public JsonObject toApiJson() {
    return new JsonObject()
        .put("parkId", parkId)
        .put("node", nodeId)
        .put("epoch", epoch)
        .put("protocol", protocol)
        .put("remoteAddress", remoteAddress)
        .put("connectedAt", Instant.ofEpochMilli(connectedAt).toString());
  }

  public String encode() {
    return toJson().encode();
  }

  public static ParkEntry decode(String json) {
    if (json == null || json.isEmpty()) {
      return null;
    }
    JsonObject o = new JsonObject(json);
    String protocol = o.getString("protocol", "v1");
    // entries written before the flag existed: only v1 sessions were token-authenticated
    return new ParkEntry(o.getString("parkId"), o.getString("node"), o.getString("address"),
        o.getLong("epoch", 0L), o.getString("remoteAddress"), o.getLong("connectedAt", 0L),
        protocol, o.getBoolean("authenticated", !"legacy".equals(protocol)));
  }
}
