package io.parkgate.http;

import io.parkgate.bus.Addresses;
import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.GatewayException;
import io.parkgate.bus.HostOp;
import io.parkgate.bus.ParkEntry;
import io.parkgate.cluster.ClusterParkWatch;
import io.parkgate.cluster.ParkDirectory;
import io.parkgate.history.ParkHistory;
import io.parkgate.security.ApiKeys;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' read side: a park's status (with its last close when offline), the directory
 * listing, a park's history, the cluster's nodes, and who the caller's key is. Every wait is
 * bounded; the history and the flapping watch are advice, so when they are slow or down the
 * answer comes without them (saying so) rather than failing.
 */
final class ParkHandler {

  private static final Logger LOG = LoggerFactory.getLogger(ParkHandler.class);
  /** How long the listing waits for nodes to report their sessions' live fields. */
  static final long LIVE_TIMEOUT_MS = 500;
  /** The status endpoint asks the session itself; it has no reason to wait long. */
  static final long STATUS_TIMEOUT_MS = 1_000;
  /** Largest page of the directory listing. */
  static final int MAX_PAGE = 1_000;

  private final Vertx vertx;
  private final ParkDirectory directory;
  private final ParkClient parks;
  private final ParkHistory history;
  private final ClusterParkWatch watch;

  ParkHandler(Vertx vertx, ParkDirectory directory, ParkClient parks, ParkHistory history, ClusterParkWatch watch) {
    this.vertx = vertx;
    this.directory = directory;
    this.parks = parks;
    this.history = history;
    this.watch = watch;
  }

  /** {@code GET /api/v1/parks/{parkId}}: the live session, or 404 with the last close. */
  void handleStatus(RoutingContext ctx, String parkId) {
    Future<Map<String, JsonObject>> watched = watched(List.of(parkId));
    parks.status(parkId, STATUS_TIMEOUT_MS)
        .onSuccess(status -> watched.onComplete(w -> {
          ParkEntry entry = directory.lookup(parkId);
          JsonObject out = entry == null ? status : entry.toApiJson().mergeIn(status);
          JsonObject watch = w.result().getOrDefault(parkId, new JsonObject().put("flapping", false));
          out.mergeIn(watch.copy().put("state", state(out.getBoolean("responsive", true), watch)));
          ApiVerticle.json(ctx, 200, out);
        }))
        .onFailure(e -> {
          if (!(e instanceof GatewayException g) || g.code() != ErrorCode.NOT_FOUND) {
            ctx.fail(e);
            return;
          }
          history.recent(parkId, null, ParkHistory.MAX_EVENTS).transform(h -> watched.map(w -> {
            JsonObject details = new JsonObject().put("parkId", parkId).put("online", false)
                .mergeIn(w.getOrDefault(parkId, new JsonObject().put("flapping", false)));
            if (h.succeeded()) {
              details.put("lastClose", h.result().lastClose());
            } else {
              details.put("lastClose", null).put("historyUnavailable", true);
            }
            return new GatewayException(ErrorCode.NOT_FOUND, "no controller of park " + parkId
                + " is connected" + (h.succeeded() && h.result().lastClose() == null ? " (none recorded)" : ""), details);
          })).onComplete(ar -> ctx.fail(ar.result()));
        });
  }

  /**
   * {@code GET /api/v1/parks?limit=&after=&node=&prefix=}: a page of online parks from this node's
   * view of the directory, each with the live fields its node reports (omitted if that node is
   * slow) and whether it flaps.
   */
  void handleList(RoutingContext ctx, int limit, String after, String node, String prefix) {
    List<ParkEntry> page = directory.page(after, limit, node, prefix);
    Map<String, List<ParkEntry>> byAddress = new LinkedHashMap<>();
    page.forEach(e -> byAddress.computeIfAbsent(e.address(), a -> new ArrayList<>()).add(e));
    List<Future<JsonObject>> lives = new ArrayList<>();
    byAddress.forEach((address, entries) -> lives.add(vertx.eventBus().<JsonObject>request(address,
            HostOp.live(entries.stream().map(ParkEntry::parkId).toList()).toJson(),
            new DeliveryOptions().setSendTimeout(LIVE_TIMEOUT_MS))
        .map(Message::body)
        .otherwise(new JsonObject())));
    Future<Map<String, JsonObject>> watched = watched(page.stream().map(ParkEntry::parkId).toList());
    Future.join(Future.all(lives), watched).onComplete(ar -> {
      JsonObject live = new JsonObject();
      lives.forEach(f -> live.mergeIn(f.result()));
      JsonArray items = new JsonArray();
      for (ParkEntry e : page) {
        JsonObject item = e.toApiJson();
        JsonObject l = live.getJsonObject(e.parkId());
        if (l != null) {
          item.put("lastSeenAt", l.getString("lastSeenAt")).put("inFlight", l.getInteger("inFlight"))
              .put("responsive", l.getBoolean("responsive"));
        }
        JsonObject w = watched.result().getOrDefault(e.parkId(), new JsonObject().put("flapping", false));
        item.put("flapping", w.getBoolean("flapping", false)).put("state", state(item.getBoolean("responsive", true), w));
        items.add(item);
      }
      ApiVerticle.json(ctx, 200, new JsonObject()
          .put("items", items)
          .put("next", page.size() == limit ? page.get(page.size() - 1).parkId() : null)
          .put("total", directory.count(node, prefix)));
    });
  }

  /** {@code GET /api/v1/parks/{parkId}/events?limit=&before=}: newest first. */
  void handleEvents(RoutingContext ctx, String parkId, int limit, Long before) {
    history.recent(parkId, before, limit)
        .onSuccess(page -> ApiVerticle.json(ctx, 200, new JsonObject().put("parkId", parkId)
            .put("items", new JsonArray(page.items())).put("next", page.next())))
        .onFailure(e -> {
          LOG.debug("park {}: history unavailable: {}", parkId, e.toString());
          ctx.fail(new GatewayException(ErrorCode.STORE_UNAVAILABLE, "the park history is unavailable; try again"));
        });
  }

  /** {@code GET /api/v1/cluster}: every live node as it describes itself, and the totals. */
  void handleCluster(RoutingContext ctx) {
    Set<String> nodes = new TreeSet<>(directory.liveNodes());
    Map<String, Long> parksByNode = directory.countByNode();
    NodeInfo.askAll(vertx, nodes).onSuccess(answers -> {
      JsonArray items = new JsonArray();
      int unresponsive = 0;
      int flapping = 0;
      for (JsonObject info : answers) {
        String node = info.getString("node");
        unresponsive += info.getInteger("unresponsive", 0);
        flapping += info.getInteger("flappingOwned", 0);
        info.remove("flappingOwned");
        items.add(info.put("self", node.equals(directory.nodeId())).put("parks", parksByNode.getOrDefault(node, 0L)));
      }
      ApiVerticle.json(ctx, 200, new JsonObject().put("nodes", items).put("totals", new JsonObject()
          .put("online", directory.size()).put("unresponsive", unresponsive).put("flapping", flapping)));
    });
  }

  /** {@code POST /api/v1/admin/rebalance}: every node evens out its controllers (each moves its own excess). */
  void handleRebalance(RoutingContext ctx) {
    vertx.eventBus().publish(Addresses.rebalance(), new JsonObject());
    ApiVerticle.json(ctx, 202, new JsonObject().put("started", true).put("nodes", directory.liveNodes().size()));
  }

  /** {@code POST|DELETE /api/v1/admin/nodes/{nodeId}/evacuate}: start or cancel a node's evacuation. */
  void handleEvacuate(RoutingContext ctx, String nodeId, boolean on) {
    vertx.eventBus().<JsonObject>request(Addresses.rebalance(nodeId), new JsonObject().put("op", "evacuate").put("on", on),
            new DeliveryOptions().setSendTimeout(STATUS_TIMEOUT_MS))
        .onSuccess(m -> ApiVerticle.json(ctx, 200, m.body()))
        .onFailure(e -> ctx.fail(e instanceof io.vertx.core.eventbus.ReplyException r
            && r.failureType() == io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS
            ? new GatewayException(ErrorCode.NOT_FOUND, "no live node " + nodeId + " that takes controllers")
            : new GatewayException(ErrorCode.GATE_TIMEOUT, "node " + nodeId + " did not answer in time")));
  }

  /** {@code GET /api/v1/me}: the presented key's name and scopes (all scopes when keys are off). */
  static void handleMe(RoutingContext ctx) {
    ApiKeys.Key key = ctx.get(ApiKeyHandler.KEY);
    ApiVerticle.json(ctx, 200, new JsonObject().put("name", key == null ? null : key.name())
        .put("scopes", new JsonArray(new ArrayList<>(new TreeSet<>(key == null ? ApiKeys.SCOPES : key.scopes())))));
  }

  /** The watch's view of these parks; empty (not failed) when the watch does not answer in time. */
  private Future<Map<String, JsonObject>> watched(List<String> parkIds) {
    if (parkIds.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return watch.states(parkIds).otherwise(e -> {
      LOG.debug("flapping watch unavailable: {}", e.toString());
      return Map.of();
    });
  }

  private static String state(boolean responsive, JsonObject watch) {
    return watch.getBoolean("flapping", false) ? "flapping" : responsive ? "online" : "unresponsive";
  }
}
