package io.parkgate.controller;

import io.parkgate.bus.Addresses;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The parks' clustered consumers ({@code parkgate.park.<id>}), registered and unregistered from a
 * fixed set of lane contexts instead of the controller verticle's own context.
 *
 * <p>Why: vertx-hazelcast runs the subscription changes of one Vert.x context one at a time (a
 * task queue per calling context, each task a blocking Hazelcast multimap operation of about a
 * millisecond locally, a network round trip in a cluster). Registered from the controller verticles,
 * a reconnect storm's 10,000 removals and 10,000 puts waited in one queue per verticle instance
 * (thread dumps: exactly two workers in vertx-hazelcast's SubsMapHelper). Hashed over the lanes by
 * park ID they run in parallel on the worker pool, and the changes of one park stay in order
 * (always the same lane). On one node the gain is small (docs/benchmarks.md, h: the storm's main
 * cost was Hazelcast's thread per callback, see {@code HazelcastFutures}).
 *
 * <p>Messages to a park's address arrive on its lane and are handed to the session on the
 * context it lives on (at once when the lane shares its event loop).
 *
 * <p>A session that ends <i>retires</i> its consumer instead of removing it: the consumer stays
 * registered for {@link #RETIRED_GRACE_MS}, so a sender whose directory view is a moment old is
 * answered {@code PARK_MOVED} by the closed session (and follows the park) instead of having its
 * message dropped by a node without a handler and waiting for its whole timeout. A new session of
 * the same park on this node removes the retired consumer at once (it would otherwise share the
 * address round-robin).
 */
public final class ParkSubscriptions {

  /** Lanes per node: enough to overlap the multimap round trips, well under the worker pool (20). */
  public static final int DEFAULT_LANES = 8;
  /** How long a closed session's consumer keeps answering PARK_MOVED: far above event propagation. */
  static final long RETIRED_GRACE_MS = 2_000;

  private final Vertx vertx;
  private final List<Context> lanes;
  /** Retired consumers by park ID, one map per lane, each touched only on its lane's context. */
  private final List<Map<String, Subscription>> retired;
  /** Per lane: the newest subscription of each park on this node. */
  private final List<Map<String, Subscription>> current;

  private ParkSubscriptions(Vertx vertx, List<Context> lanes) {
    this.vertx = vertx;
    this.lanes = lanes;
    this.retired = lanes.stream().<Map<String, Subscription>>map(l -> new HashMap<>()).toList();
    this.current = lanes.stream().<Map<String, Subscription>>map(l -> new HashMap<>()).toList();
  }

  /** Deploys {@code count} lane contexts (empty verticles: a deployment is what gives a context). */
  public static Future<ParkSubscriptions> start(Vertx vertx, int count) {
    List<Context> contexts = new CopyOnWriteArrayList<>();
    return vertx.deployVerticle(() -> new Lane(contexts), new DeploymentOptions().setInstances(count))
        .map(id -> new ParkSubscriptions(vertx, List.copyOf(contexts)));
  }

  /**
   * Registers the park's consumer; {@code handler} runs on the calling context. The returned
   * subscription can be unregistered at once, even before its registration has completed.
   */
  Subscription subscribe(String parkId, Handler<Message<JsonObject>> handler) {
    // emit: at once when the lane runs on the session's own event loop, else queued to it (runOnContext
    // queued every message, a task and often a wakeup of another thread per request)
    ContextInternal home = (ContextInternal) vertx.getOrCreateContext();
    int index = Math.floorMod(parkId.hashCode(), lanes.size());
    Context lane = lanes.get(index);
    Subscription subscription = new Subscription(parkId, home, lane, retired.get(index), current.get(index));
    lane.runOnContext(v -> {
      subscription.currentOfLane.put(parkId, subscription);
      Subscription previous = subscription.retiredOfLane.remove(parkId);
      if (previous != null) {
        previous.consumer.unregister();
      }
      MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(Addresses.park(parkId),
          message -> home.emit(message, handler));
      subscription.consumer = consumer;
      consumer.completion().onComplete(ar -> home.runOnContext(x -> subscription.registered.handle(ar)));
    });
    return subscription;
  }

  /** One park's consumer; its fields belong to its lane, its futures complete on its home context. */
  final class Subscription {
    private final String parkId;
    private final Context home;
    private final Context lane;
    private final Map<String, Subscription> retiredOfLane;
    private final Map<String, Subscription> currentOfLane;
    private final Promise<Void> registered = Promise.promise();
    private MessageConsumer<JsonObject> consumer;

    private Subscription(String parkId, Context home, Context lane, Map<String, Subscription> retiredOfLane,
        Map<String, Subscription> currentOfLane) {
      this.parkId = parkId;
      this.home = home;
      this.lane = lane;
      this.retiredOfLane = retiredOfLane;
      this.currentOfLane = currentOfLane;
    }

    /**
     * Keeps the consumer (its session answers PARK_MOVED) for {@code graceMs}, then unregisters
     * it, unless a newer session of the park on this node has removed it already. When a newer
     * session of the park already consumes here, it goes at once: two local consumers of one
     * address share its messages round-robin, so the retired one would bounce every other request.
     */
    void retire(long graceMs) {
      lane.runOnContext(v -> {
        if (!currentOfLane.remove(parkId, this) && currentOfLane.containsKey(parkId)) {
          consumer.unregister();
          return;
        }
        retiredOfLane.put(parkId, this);
        vertx.setTimer(graceMs, t -> {
          if (retiredOfLane.remove(parkId, this)) {
            consumer.unregister();
          }
        });
      });
    }

    /** Completes, on the home context, once the whole cluster can reach the consumer. */
    Future<Void> registered() {
      return registered.future();
    }

    /** Unregisters; queued behind the registration on the same lane, so it never runs first. */
    Future<Void> unregister() {
      Promise<Void> done = Promise.promise();
      lane.runOnContext(v -> {
        currentOfLane.remove(parkId, this);
      });
      lane.runOnContext(v -> consumer.unregister()
          .onComplete(ar -> home.runOnContext(x -> done.handle(ar))));
      return done.future();
    }
  }

  private static final class Lane extends VerticleBase {
    private final List<Context> contexts;

    Lane(List<Context> contexts) {
      this.contexts = contexts;
    }

    @Override
    public Future<?> start() {
      contexts.add(context);
      return Future.succeededFuture();
    }
  }
}
