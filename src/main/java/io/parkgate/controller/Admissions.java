package io.parkgate.controller;

import io.parkgate.bus.HostOp;
import io.parkgate.bus.ParkEntry;
import io.parkgate.bus.ParkEvent;
import io.parkgate.bus.ParkWatch;
import io.parkgate.bus.ParkRegistry;
import io.parkgate.bus.SessionEvents;
import io.parkgate.bus.StaleSessionException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admission and takeover for the sessions of one {@link ControllerVerticle} instance: which
 * session is each park's live one here, how a new one becomes the live one cluster-wide (consumer,
 * epoch, directory claim, eviction of the previous session wherever it is), and the eviction
 * floors that stop an older session from coming online after a newer one evicted it. It is
 * {@link SessionHost} for the sessions. Touched only on the instance's event loop.
 */
final class Admissions implements SessionHost {

  private static final Logger LOG = LoggerFactory.getLogger(Admissions.class);
  /** How long a takeover waits for the previous session's node to confirm the eviction. */
  static final long EVICT_TIMEOUT_MS = 1_000;
  /**
   * Admissions cost cluster operations (an epoch, a claim, maybe an eviction, a subscription): at
   * most this many run at once per verticle instance, the rest wait their turn (within their
   * admission bound), so a reconnect storm queues instead of swamping Hazelcast.
   */
  static final int MAX_CONCURRENT = 64;
  /** How long an eviction floor is remembered (it only matters while admissions race). */
  private static final long FLOOR_TTL_NANOS = TimeUnit.MINUTES.toNanos(1);

  /** "Sessions of this park below this epoch must not come online here." */
  private record Floor(long epoch, long atNanos) {
  }

  private final Vertx vertx;
  private final ParkRegistry registry;
  private final ParkSubscriptions subscriptions;
  /** This instance's own bus address, which the directory entries name. */
  private final String hostAddress;
  private final SessionEvents events;
  private final ParkWatch watch;
  private final ControllerStats stats;
  private final Map<String, ControllerSession> online = new HashMap<>();
  private final Map<String, Floor> floors = new HashMap<>();
  private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
  private int running;

  Admissions(Vertx vertx, ParkRegistry registry, ParkSubscriptions subscriptions, String hostAddress,
      SessionEvents events, ParkWatch watch, ControllerStats stats) {
    this.vertx = vertx;
    this.stats = stats;
    this.events = events;
    this.watch = watch;
    this.registry = registry;
    this.subscriptions = subscriptions;
    this.hostAddress = hostAddress;
  }

  @Override
  public Future<Void> admit(ControllerSession session) {
    Promise<Void> admitted = Promise.promise();
    queue.add(() -> run(session).onComplete(ar -> {
      running--;
      pump();
      admitted.handle(ar);
    }));
    pump();
    return admitted.future();
  }

  private void pump() {
    while (running < MAX_CONCURRENT && !queue.isEmpty()) {
      running++;
      queue.poll().run();
    }
  }

  private Future<Void> run(ControllerSession session) {
    if (session.isClosed()) {
      return Future.failedFuture("session closed while waiting for admission");
    }
    String parkId = session.parkId();
    return watch.opening(parkId, session.remoteAddress())
        .transform(ar -> {
          if (ar.failed()) {
            // the watch is advice: a cluster too slow to count does not keep a controller out
            LOG.debug("park {}: flapping watch unavailable: {}", parkId, ar.cause().toString());
            return Future.succeededFuture(ParkWatch.Opening.CALM);
          }
          return Future.succeededFuture(ar.result());
        })
        .compose(opening -> {
          noticed(session, opening);
          if (opening.bannedForMs() > 0) {
            return Future.failedFuture(new ParkBannedException(parkId, opening.bannedForMs()));
          }
          return claim(session);
        });
  }

  /** Flapping and duplicates are logged and recorded once, by the admission that found them. */
  private void noticed(ControllerSession session, ParkWatch.Opening opening) {
    String parkId = session.parkId();
    if (opening.flappingStarted()) {
      stats.flapping();
      LOG.atWarn().setMessage("park is flapping: {} sessions opened within the window; reported until it calms down")
          .addArgument(opening.sessions()).addKeyValue("parkId", parkId).addKeyValue("remote", session.remoteAddress())
          .log();
      session.record(ParkEvent.FLAPPING, new JsonObject().put("sessions", opening.sessions())
          .put("detail", opening.sessions() + " sessions opened within the flapping window"));
    }
    if (opening.duplicateStarted()) {
      stats.duplicateController();
      LOG.atWarn().setMessage("two controllers with the same park ID keep taking it from each other")
          .addKeyValue("parkId", parkId).addKeyValue("addresses", opening.duplicates()).log();
      session.record(ParkEvent.DUPLICATE, new JsonObject().put("addresses", new JsonArray(opening.duplicates()))
          .put("detail", "controllers at " + String.join(" and ", opening.duplicates())
              + " take the park from each other: two controllers are configured with the same park ID"));
    }
  }

  private Future<Void> claim(ControllerSession session) {
    String parkId = session.parkId();
    // The consumer first: once the claim below makes the directory name this session, requests
    // come here, and until the session is online they must be answered (PARK_MOVED, so the sender
    // retries within its budget), never dropped by a node without a handler.
    ParkSubscriptions.Subscription subscription = subscriptions.subscribe(parkId, session::handleBusMessage);
    session.subscription(subscription);
    return subscription.registered()
        .compose(v -> registry.nextEpoch())
        .compose(epoch -> {
          session.epoch(epoch);
          return registry.claim(entryOf(session));
        })
        .compose(previous -> {
          if (previous == null) {
            return Future.<Void>succeededFuture();
          }
          session.replaced(previous);
          return evict(previous, session.epoch(), newer(session));
        })
        .compose(v -> stillCurrent(session))
        .onSuccess(v -> {
          ControllerSession replaced = online.put(parkId, session);
          if (replaced != null && replaced != session) {
            replaced.closeForTakeover(session.epoch(), newer(session));
          }
        })
        .onFailure(e -> {
          if (session.epoch() != 0) {
            registry.release(entryOf(session));
          }
        });
  }

  private Future<Void> stillCurrent(ControllerSession session) {
    Floor floor = floors.get(session.parkId());
    if (floor != null && floor.epoch() > session.epoch()) {
      return Future.failedFuture(new StaleSessionException(session.parkId(), session.epoch(), floor.epoch()));
    }
    if (session.isClosed()) {
      return Future.failedFuture("session closed during admission");
    }
    return Future.succeededFuture();
  }

  /** Asks the previous session's instance to close it; a dead or slow node does not stop us. */
  private JsonObject newer(ControllerSession session) {
    return new JsonObject().put("remoteAddress", session.remoteAddress()).put("node", registry.nodeId())
        .put("epoch", session.epoch());
  }

  private Future<Void> evict(ParkEntry previous, long newerEpoch, JsonObject by) {
    if (!registry.isLive(previous.nodeId())) {
      return Future.succeededFuture(); // its node is gone, and its sessions with it
    }
    return vertx.eventBus().request(previous.address(), HostOp.evict(previous.parkId(), newerEpoch, by).toJson(),
            new DeliveryOptions().setSendTimeout(EVICT_TIMEOUT_MS))
        .<Void>mapEmpty()
        .recover(e -> {
          LOG.info("park {}: previous session (epoch {}) on node {} did not confirm eviction: {}",
              previous.parkId(), previous.epoch(), previous.nodeId(), e.getMessage());
          return Future.succeededFuture();
        });
  }

  @Override
  public void online(ControllerSession session) {
    events.online(session.parkId(), session.epoch());
    JsonObject opened = new JsonObject();
    if (session.tokenSecret() != null) {
      opened.put("tokenSecret", session.tokenSecret());
    }
    ParkEntry replaced = session.replacedEntry();
    if (replaced != null) {
      opened.put("replaced", new JsonObject().put("remoteAddress", replaced.remoteAddress())
          .put("node", replaced.nodeId()).put("epoch", replaced.epoch()));
    }
    session.record(ParkEvent.OPENED, opened);
  }

  @Override
  public void record(ControllerSession session, String type, JsonObject fields) {
    events.event(new ParkEvent(session.parkId(), type, System.currentTimeMillis(), fields.put("node", registry.nodeId())));
  }


  @Override
  public Future<Void> closed(ControllerSession session, ParkSubscriptions.Subscription subscription) {
    if (session.parkId() != null && online.get(session.parkId()) == session) {
      online.remove(session.parkId());
    }
    if (session.epoch() != 0) {
      registry.release(entryOf(session));
    }
    if (subscription != null) {
      // the consumer stays a while, answering PARK_MOVED to senders whose view is a moment old
      subscription.retire(ParkSubscriptions.RETIRED_GRACE_MS);
    }
    return Future.succeededFuture();
  }

  /**
   * Another node's newer session of the park asks this instance to let go: remember the floor (so
   * an older session still being admitted here cannot come online after it), and close the live
   * session if it is older. Completes with whether a session was evicted.
   */
  Future<Boolean> evictHere(String parkId, long newerEpoch, JsonObject by) {
    Floor floor = floors.get(parkId);
    if (floor == null || floor.epoch() < newerEpoch) {
      floors.put(parkId, new Floor(newerEpoch, System.nanoTime()));
    }
    ControllerSession session = online.get(parkId);
    if (session == null || session.epoch() >= newerEpoch) {
      return Future.succeededFuture(false);
    }
    return session.closeForTakeover(newerEpoch, by).map(true).otherwise(true);
  }

  /** The live sessions' status for those of {@code parkIds} held here. */
  JsonObject live(List<String> parkIds) {
    JsonObject out = new JsonObject();
    for (String id : parkIds) {
      ControllerSession session = online.get(id);
      if (session != null) {
        out.put(id, session.status());
      }
    }
    return out;
  }

  /** Forgets floors older than their lifetime; called by the verticle's sweep. */
  void sweep(long nowNanos) {
    floors.values().removeIf(f -> nowNanos - f.atNanos() > FLOOR_TTL_NANOS);
  }

  private ParkEntry entryOf(ControllerSession session) {
    return new ParkEntry(session.parkId(), registry.nodeId(), hostAddress, session.epoch(),
        session.remoteAddress(), session.connectedAtMillis(), session.protocol(), session.authenticated());
  }
}
