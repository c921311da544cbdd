package io.parkgate.controller;

import io.parkgate.bus.Addresses;
import io.parkgate.bus.BusFailures;
import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.HostOp;
import io.parkgate.cluster.ParkDirectory;
import io.parkgate.cluster.ParkEntry;
import io.parkgate.cluster.StaleSessionException;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.protocol.JsonRpcCodec;
import io.parkgate.protocol.RpcError;
import io.parkgate.protocol.RpcResponse;
import io.parkgate.security.Allowlist;
import io.parkgate.security.ConnectionBudget;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns controller sockets: accepts connections, runs one {@link V1Session} per socket, sweeps
 * them for hello and idle deadlines, and admits each park cluster-wide (takeover). Several
 * instances share one port; each owns the sessions it accepted and consumes its own bus address
 * ({@link Addresses#controllerHost}), to which the directory routes its parks' requests, so session
 * state never crosses event loops.
 */
public final class ControllerVerticle extends VerticleBase implements SessionHost {

  private static final Logger LOG = LoggerFactory.getLogger(ControllerVerticle.class);
  /** How long a takeover waits for the previous session's node to confirm the eviction. */
  static final long EVICT_TIMEOUT_MS = 1_000;
  /** How long an eviction floor is remembered (it only matters while admissions race). */
  private static final long FLOOR_TTL_NANOS = TimeUnit.MINUTES.toNanos(1);

  /** "Sessions of this park below this epoch must not come online here." */
  private record Floor(long epoch, long atNanos) {
  }

  private final ParkgateConfig config;
  private final ParkDirectory directory;
  private final TokenVerifier tokens;
  private final Allowlist legacyAllowlist;
  private final ConnectionBudget budget;
  private final int port;
  private final Integer legacyPort;
  private final int instance;
  private final ParkSubscriptions subscriptions;
  private final Set<ControllerSession> sessions = new HashSet<>();
  private final Map<String, ControllerSession> online = new HashMap<>();
  private final Map<String, Floor> floors = new HashMap<>();
  private final ControllerStats stats;
  private String address;
  private MessageConsumer<JsonObject> hostConsumer;
  private NetServer server;
  private NetServer legacyServer;
  private long sweepTimer = -1;
  private boolean draining;
  private final java.util.ArrayDeque<Runnable> admissionQueue = new java.util.ArrayDeque<>();
  private int admitting;

  /**
   * @param port       the protocol v1 port; a negative port is a random port shared by every
   *                   instance asking for the same negative value
   * @param legacyPort the legacy text-protocol port (same rule), or null for none
   * @param instance   this instance's number on the node (part of its bus address)
   */
  public ControllerVerticle(ParkgateConfig config, ParkDirectory directory, ParkSubscriptions subscriptions,
      NodeSecurity security, int port, Integer legacyPort, int instance) {
    this.config = config;
    this.directory = directory;
    this.subscriptions = subscriptions;
    this.tokens = security.tokens;
    this.stats = new ControllerStats(security.metrics);
    this.legacyAllowlist = security.legacyAllowlist;
    this.budget = security.controllers;
    this.port = port;
    this.legacyPort = legacyPort;
    this.instance = instance;
  }

  @Override
  public Future<?> start() {
    address = Addresses.controllerHost(directory.nodeId(), instance);
    hostConsumer = vertx.eventBus().consumer(address, this::handleHostMessage);
    long sweepMs = Math.max(20, Math.min(1000,
        Math.min(config.idleTimeoutMs(), config.helloTimeoutMs()) / 10));
    sweepTimer = vertx.setPeriodic(sweepMs, t -> sweep());
    NetServerOptions v1Options = serverOptions();
    if (config.tlsCertPath() != null) {
      v1Options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(config.tlsCertPath()).setKeyPath(config.tlsKeyPath()));
    }
    server = vertx.createNetServer(v1Options);
    server.connectHandler(socket -> accept(socket, false));
    Future<?> legacy = Future.succeededFuture();
    if (legacyPort != null) {
      legacyServer = vertx.createNetServer(serverOptions());
      legacyServer.connectHandler(socket -> accept(socket, true));
      legacy = legacyServer.listen(legacyPort, config.bindHost());
    }
    Future<?> legacyListening = legacy;
    return hostConsumer.completion()
        .compose(v -> server.listen(port, config.bindHost()))
        .compose(v -> legacyListening);
  }

  private static NetServerOptions serverOptions() {
    return new NetServerOptions().setTcpNoDelay(true).setTcpKeepAlive(true).setAcceptBacklog(4096);
  }

  /** The legacy port this instance listens on, or -1. */
  public int actualLegacyPort() {
    return legacyServer == null ? -1 : legacyServer.actualPort();
  }

  /** The port this instance listens on, once started. */
  public int actualPort() {
    return server.actualPort();
  }

  private void accept(NetSocket socket, boolean legacy) {
    if (draining) {
      socket.close();
      return;
    }
    String source = socket.remoteAddress() == null ? "unknown" : socket.remoteAddress().hostAddress();
    ConnectionBudget.Refusal refusal = budget.acquire(source);
    if (refusal != null) {
      refuse(socket, legacy, refusal);
      return;
    }
    ControllerSession session = legacy
        ? new LegacySession(vertx, this, config, socket, stats, legacyAllowlist)
        : new V1Session(vertx, this, config, socket, stats, tokens);
    sessions.add(session);
    session.start(() -> sessions.remove(session), () -> budget.release(source));
  }

  /**
   * Refuses a connection beyond a limit before reading from it: a v1 controller gets one error
   * line (its first read says why, at the cost of one small write), a legacy one a bare close.
   */
  private void refuse(NetSocket socket, boolean legacy, ConnectionBudget.Refusal refusal) {
    LOG.debug("controller connection from {} refused: {}", socket.remoteAddress(), refusal);
    if (legacy) {
      socket.close();
      return;
    }
    String text = refusal == ConnectionBudget.Refusal.NODE_LIMIT
        ? "too many controller connections on this node (" + config.maxControllerConnections() + ")"
        : "too many controller connections from this address (" + config.maxControllerConnectionsPerSource() + ")";
    socket.end(JsonRpcCodec.encode(RpcResponse.failure(null, new RpcError(RpcError.TOO_MANY_CONNECTIONS, text))));
  }

  private void sweep() {
    long now = System.nanoTime();
    for (ControllerSession session : new ArrayList<>(sessions)) {
      session.checkDeadlines(now);
    }
    floors.values().removeIf(f -> now - f.atNanos() > FLOOR_TTL_NANOS);
  }

  // ---- admission and takeover ----------------------------------------------------------------

  /**
   * Admissions cost cluster operations (an epoch, a claim, maybe an eviction, a subscription): at
   * most this many run at once per verticle instance, the rest wait their turn (within their
   * hello deadline), so a reconnect storm queues instead of swamping Hazelcast.
   */
  static final int MAX_CONCURRENT_ADMISSIONS = 64;

  @Override
  public Future<Void> admit(ControllerSession session) {
    Promise<Void> admitted = Promise.promise();
    admissionQueue.add(() -> runAdmission(session).onComplete(ar -> {
      admitting--;
      pumpAdmissions();
      admitted.handle(ar);
    }));
    pumpAdmissions();
    return admitted.future();
  }

  private void pumpAdmissions() {
    while (admitting < MAX_CONCURRENT_ADMISSIONS && !admissionQueue.isEmpty()) {
      admitting++;
      admissionQueue.poll().run();
    }
  }

  private Future<Void> runAdmission(ControllerSession session) {
    if (session.isClosed()) {
      return Future.failedFuture("session closed while waiting for admission");
    }
    String parkId = session.parkId();
    // The consumer first: once the claim below makes the directory name this session, requests
    // come here, and until the session is online they must be answered (PARK_MOVED, so the sender
    // retries within its budget), never dropped by a node without a handler.
    ParkSubscriptions.Subscription subscription = subscriptions.subscribe(parkId, session::handleBusMessage);
    session.subscription(subscription);
    return subscription.registered()
        .compose(v -> directory.nextEpoch())
        .compose(epoch -> {
          session.epoch(epoch);
          return directory.claim(entryOf(session));
        })
        .compose(previous -> previous == null ? Future.<Void>succeededFuture() : evict(previous, session.epoch()))
        .compose(v -> stillCurrent(session))
        .onSuccess(v -> {
          ControllerSession replaced = online.put(parkId, session);
          if (replaced != null && replaced != session) {
            replaced.closeForTakeover(session.epoch());
          }
        })
        .onFailure(e -> {
          if (session.epoch() != 0) {
            directory.release(entryOf(session));
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
  private Future<Void> evict(ParkEntry previous, long newerEpoch) {
    if (!directory.isLive(previous.nodeId())) {
      return Future.succeededFuture(); // its node is gone, and its sessions with it
    }
    return vertx.eventBus().request(previous.address(), HostOp.evict(previous.parkId(), newerEpoch).toJson(), new DeliveryOptions().setSendTimeout(EVICT_TIMEOUT_MS))
        .<Void>mapEmpty()
        .recover(e -> {
          LOG.info("park {}: previous session (epoch {}) on node {} did not confirm eviction: {}",
              previous.parkId(), previous.epoch(), previous.nodeId(), e.getMessage());
          return Future.succeededFuture();
        });
  }

  @Override
  public Future<Void> closed(ControllerSession session, ParkSubscriptions.Subscription subscription) {
    if (session.parkId() != null && online.get(session.parkId()) == session) {
      online.remove(session.parkId());
    }
    if (session.epoch() != 0) {
      directory.release(entryOf(session));
    }
    if (subscription != null) {
      // the consumer stays a while, answering PARK_MOVED to senders whose view is a moment old
      subscription.retire(ParkSubscriptions.RETIRED_GRACE_MS);
    }
    return Future.succeededFuture();
  }

  private ParkEntry entryOf(ControllerSession session) {
    return new ParkEntry(session.parkId(), directory.nodeId(), address, session.epoch(),
        session.remoteAddress(), session.connectedAtMillis(), session.protocol());
  }

  // ---- this instance's bus address ----------------------------------------------------------

  private void handleHostMessage(Message<JsonObject> message) {
    HostOp op = HostOp.fromJson(message.body());
    switch (op.op()) {
      case HostOp.EVICT -> handleEvict(message, op.parkId(), op.epoch());
      case HostOp.LIVE -> message.reply(live(op.parkIds()));
      default -> BusFailures.fail(message, ErrorCode.BAD_REQUEST, "unknown op " + op.op());
    }
  }

  private void handleEvict(Message<JsonObject> message, String parkId, long newerEpoch) {
    Floor floor = floors.get(parkId);
    if (floor == null || floor.epoch() < newerEpoch) {
      floors.put(parkId, new Floor(newerEpoch, System.nanoTime()));
    }
    ControllerSession session = online.get(parkId);
    if (session == null || session.epoch() >= newerEpoch) {
      message.reply(HostOp.evicted(false));
      return;
    }
    session.closeForTakeover(newerEpoch)
        .onComplete(ar -> message.reply(HostOp.evicted(true)));
  }

  private JsonObject live(List<String> parkIds) {
    JsonObject out = new JsonObject();
    for (String id : parkIds) {
      ControllerSession session = online.get(id);
      if (session != null) {
        out.put(id, session.status());
      }
    }
    return out;
  }

  // ---- drain and stop ----------------------------------------------------------------------

  /**
   * Graceful drain: refuse new controllers, ask every connected controller to reconnect
   * elsewhere and wait (at most {@code graceMs}) until each has moved: its new hello on another
   * node evicts the session here once the requests in flight on it are answered. Legacy sessions,
   * which cannot be asked, close as soon as nothing waits on them. Then close what is left.
   * The listener stays bound (closing a Vert.x server closes its connections too); new connections
   * are closed on accept, and readiness already steers load balancers away. Runs on this
   * verticle's event loop whatever thread calls it.
   */
  public Future<Void> drain(long graceMs) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      draining = true;
      sessions.forEach(s -> s.requestReconnect("drain"));
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMs);
      vertx.setPeriodic(50, t -> {
        boolean timeUp = System.nanoTime() >= deadline;
        for (ControllerSession s : new ArrayList<>(sessions)) {
          // v1 controllers move on their own (their new hello elsewhere evicts this session);
          // legacy ones cannot be asked to, so they go as soon as nothing waits on them
          if (timeUp || (!s.canMove() && s.inFlight() == 0)) {
            s.close(ControllerSession.CloseReason.DRAIN, null);
          }
        }
        if (sessions.isEmpty()) {
          vertx.cancelTimer(t);
          done.complete();
        }
      });
    });
    return done.future();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    List<Future<Void>> closing = new ArrayList<>();
    for (ControllerSession session : new ArrayList<>(sessions)) {
      session.close(ControllerSession.CloseReason.SERVER_STOP, null);
    }
    closing.add(server == null ? Future.succeededFuture() : server.close());
    closing.add(legacyServer == null ? Future.succeededFuture() : legacyServer.close());
    closing.add(hostConsumer.unregister());
    return Future.join(closing);
  }
}
