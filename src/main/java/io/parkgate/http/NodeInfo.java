package io.parkgate.http;

import io.parkgate.bus.Addresses;
import io.parkgate.cluster.ClusterParkWatch;
import io.parkgate.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a node says about itself on its own bus address ({@link Addresses#node}), for the cluster
 * view of the API and the console: readiness, draining, its online and unresponsive parks, and the
 * flapping parks whose watch records it owns (refreshed every {@link #REFRESH_MS}, also the
 * {@code parkgate_parks_flapping} gauge).
 */
public final class NodeInfo extends VerticleBase {

  static final long REFRESH_MS = 5_000;

  private final String nodeId;
  private final NodeState state;
  private final GatewayMetrics metrics;
  private final ClusterParkWatch watch;
  private final boolean takesControllers;
  private final AtomicInteger flappingOwned = new AtomicInteger();
  private MessageConsumer<JsonObject> consumer;

  /** @param takesControllers whether this node has a controller listener */
  public NodeInfo(String nodeId, NodeState state, GatewayMetrics metrics, ClusterParkWatch watch,
      boolean takesControllers) {
    this.takesControllers = takesControllers;
    this.nodeId = nodeId;
    this.state = state;
    this.metrics = metrics;
    this.watch = watch;
  }

  @Override
  public Future<?> start() {
    metrics.flappingGauge(flappingOwned);
    vertx.setPeriodic(REFRESH_MS, t -> watch.flappingOwnedHere().onSuccess(flappingOwned::set));
    consumer = vertx.eventBus().consumer(Addresses.node(nodeId), message -> message.reply(describe()));
    return consumer.completion();
  }

  /** How long a node has to describe itself before it counts as unreachable. */
  public static final long ASK_TIMEOUT_MS = 500;

  /**
   * Every one of {@code nodes} as it describes itself, in order; one that does not answer within
   * {@link #ASK_TIMEOUT_MS} is {@code {"node": id, "reachable": false, "ready": false}}. Never fails.
   */
  public static Future<java.util.List<JsonObject>> askAll(io.vertx.core.Vertx vertx, java.util.Collection<String> nodes) {
    java.util.List<Future<JsonObject>> answers = new java.util.ArrayList<>();
    for (String node : nodes) {
      answers.add(vertx.eventBus().<JsonObject>request(Addresses.node(node), new JsonObject(),
              new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(ASK_TIMEOUT_MS))
          .map(m -> m.body().put("reachable", true))
          .otherwise(new JsonObject().put("node", node).put("reachable", false).put("ready", false)));
    }
    return Future.join(answers).transform(ar -> Future.succeededFuture(answers.stream().map(Future::result).toList()));
  }

  JsonObject describe() {
    return new JsonObject()
        .put("node", nodeId)
        .put("ready", state.ready() && !state.draining())
        .put("draining", state.draining())
        .put("evacuating", state.evacuating())
        .put("takesControllers", takesControllers && state.ready() && !state.draining() && !state.evacuating())
        .put("online", metrics.parksOnline())
        .put("unresponsive", metrics.parksUnresponsive())
        .put("flappingOwned", flappingOwned.get());
  }
}
