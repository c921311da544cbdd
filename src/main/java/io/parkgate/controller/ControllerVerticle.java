package io.parkgate.controller;

import io.parkgate.bus.Addresses;
import io.parkgate.bus.BusFailures;
import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.GateReports;
import io.parkgate.bus.HostOp;
import io.parkgate.bus.ParkRegistry;
import io.parkgate.bus.ParkWatch;
import io.parkgate.bus.SessionEvents;
import io.parkgate.config.ListenPort;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.protocol.JsonRpcCodec;
import io.parkgate.protocol.RpcError;
import io.parkgate.protocol.RpcResponse;
import io.parkgate.security.Allowlist;
import io.parkgate.security.ConnectionBudget;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns controller sockets: the v1 and legacy listeners, one session per socket, the sweep of
 * their deadlines, this instance's bus address ({@link Addresses#controllerHost}: evictions and
 * status queries from other nodes), and the drain. Admission and takeover are {@link Admissions}'.
 * Several instances share one port; each owns the sessions it accepted, so session state never
 * crosses event loops.
 */
public final class ControllerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ControllerVerticle.class);

  private final ParkgateConfig config;
  private final ParkRegistry registry;
  private final TokenVerifier tokens;
  private final Allowlist legacyAllowlist;
  private final ConnectionBudget budget;
  private final ListenPort port;
  private final ListenPort legacyPort;
  private final int instance;
  private final ParkSubscriptions subscriptions;
  private final SessionEvents events;
  private final ParkWatch watch;
  private final GateReports reports;
  private final Set<ControllerSession> sessions = new HashSet<>();
  private final ControllerStats stats;
  private Admissions admissions;
  private MessageConsumer<JsonObject> hostConsumer;
  private NetServer server;
  private NetServer legacyServer;
  private long sweepTimer = -1;
  /** Set while draining: completed when the last session has closed. */
  private Promise<Void> drained;

  /**
   * @param port       the protocol v1 listener (not off)
   * @param legacyPort the legacy text-protocol listener, possibly off
   * @param instance   this instance's number on the node (part of its bus address)
   * @param events     told when a session comes online (the payment courier) and what happens to
   *                   sessions (the park history)
   * @param watch      asked at each admission whether the park flaps, is banned, or is fought over
   */
  public ControllerVerticle(ParkgateConfig config, ParkRegistry registry, ParkSubscriptions subscriptions,
      NodeSecurity security, ListenPort port, ListenPort legacyPort, int instance, SessionEvents events,
      ParkWatch watch, GateReports reports) {
    this.config = config;
    this.reports = reports;
    this.events = events;
    this.watch = watch;
    this.registry = registry;
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
    String address = Addresses.controllerHost(registry.nodeId(), instance);
    admissions = new Admissions(vertx, registry, subscriptions, address, events, watch, stats);
    hostConsumer = vertx.eventBus().consumer(address, this::handleHostMessage);
    long sweepMs = Math.max(20, Math.min(1000,
        Math.min(config.idleTimeoutMs(), config.helloTimeoutMs()) / 10));
    sweepTimer = vertx.setPeriodic(sweepMs, t -> sweep());
    NetServerOptions v1Options = serverOptions(config.controllerProxyProtocol());
    if (config.tlsCertPath() != null) {
      v1Options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(config.tlsCertPath()).setKeyPath(config.tlsKeyPath()));
      readCertificate().onSuccess(pair -> certificate = pair);
      reloadTimer = vertx.setPeriodic(config.tlsReloadCheckMs(), t -> reloadCertificateIfChanged());
    }
    server = vertx.createNetServer(v1Options);
    server.connectHandler(socket -> accept(socket, false));
    Future<?> legacy = Future.succeededFuture();
    if (!legacyPort.isOff()) {
      legacyServer = vertx.createNetServer(serverOptions(config.legacyProxyProtocol()));
      legacyServer.connectHandler(socket -> accept(socket, true));
      legacy = legacyServer.listen(legacyPort.bindValue(), config.bindHost());
    }
    Future<?> legacyListening = legacy;
    return hostConsumer.completion()
        .compose(v -> server.listen(port.bindValue(), config.bindHost()))
        .compose(v -> legacyListening);
  }

  /**
   * @param proxyProtocol whether each connection starts with a PROXY protocol header: the node then
   *                      sees (limits, allowlists, logs, the directory) the address the header names;
   *                      a connection without a valid header within the hello timeout is closed
   */
  private NetServerOptions serverOptions(boolean proxyProtocol) {
    return new NetServerOptions().setTcpNoDelay(true).setTcpKeepAlive(true).setAcceptBacklog(4096)
        .setUseProxyProtocol(proxyProtocol)
        .setProxyProtocolTimeout(config.helloTimeoutMs()).setProxyProtocolTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** The certificate and key files' contents (PEM), compared by content. */
  private record Pem(Buffer cert, Buffer key) {
  }

  /** The pair as last loaded, to notice when it is renewed. */
  private Pem certificate;
  private long reloadTimer = -1;

  private Future<Pem> readCertificate() {
    return vertx.fileSystem().readFile(config.tlsCertPath())
        .compose(cert -> vertx.fileSystem().readFile(config.tlsKeyPath()).map(key -> new Pem(cert, key)));
  }

  /**
   * A renewed certificate (cert-manager rewrites the mounted Secret's files) is taken without a
   * restart: new connections get it, the connected controllers keep theirs. The files are read
   * asynchronously every {@code controllers.tls.reloadCheckS}; a pair that does not load (caught
   * between the two writes, or broken) leaves the old one in place and is tried again next time.
   */
  private void reloadCertificateIfChanged() {
    readCertificate().compose(pem -> {
      if (pem.equals(certificate)) {
        return Future.succeededFuture();
      }
      return server.updateSSLOptions(new ServerSSLOptions().setKeyCertOptions(
              new PemKeyCertOptions().setCertValue(pem.cert()).setKeyValue(pem.key())), true)
          .onSuccess(updated -> {
            certificate = pem;
            if (instance == 1) {
              LOG.info("controller TLS certificate reloaded from {}", config.tlsCertPath());
            }
          });
    }).onFailure(e -> LOG.warn("controller TLS certificate at {} changed but cannot be loaded ({}); keeping the"
        + " one in use", config.tlsCertPath(), e.getMessage()));
  }

  /** The legacy port this instance listens on; only when the legacy listener is on. */
  public int actualLegacyPort() {
    return legacyServer.actualPort();
  }

  /** The port this instance listens on, once started. */
  public int actualPort() {
    return server.actualPort();
  }

  private void accept(NetSocket socket, boolean legacy) {
    if (drained != null) {
      // counted: how long these go on after a drain starts is the balancer's deregistration lag
      stats.refused("draining");
      socket.close();
      return;
    }
    if (evacuating) {
      stats.refused("evacuating");
      refuseEvacuating(socket, legacy);
      return;
    }
    String source = socket.remoteAddress() == null ? "unknown" : socket.remoteAddress().hostAddress();
    ConnectionBudget.Refusal refusal = budget.acquire(source);
    if (refusal != null) {
      refuse(socket, legacy, refusal);
      return;
    }
    ControllerSession session = legacy
        ? new LegacySession(vertx, admissions, config, socket, stats, legacyAllowlist)
        : new V1Session(vertx, admissions, config, socket, stats, tokens, reports);
    sessions.add(session);
    session.start(() -> sessionEnded(session), () -> budget.release(source));
  }

  /** While evacuating, new controllers are turned away so that they reconnect to another node. */
  private volatile boolean evacuating;

  /** Turns new controllers away (or welcomes them again); the sessions held are moved by {@link #move}. */
  public void evacuating(boolean value) {
    evacuating = value;
  }

  private void refuseEvacuating(NetSocket socket, boolean legacy) {
    if (legacy) {
      socket.close();
    } else {
      socket.end(JsonRpcCodec.encode(RpcResponse.failure(null, new RpcError(RpcError.TOO_MANY_CONNECTIONS,
          "this node is being evacuated; connect again (to another node)"))));
    }
  }

  /**
   * Asks at most {@code max} of this instance's sessions to reconnect elsewhere (make before break,
   * as the drain does), counting those asked earlier that are still on their way: only v1
   * sessions (legacy ones are closed when idle if {@code closeLegacy}), online, with nothing in
   * flight, so no request is disturbed. Runs on this verticle's event loop.
   */
  public Future<Moves> move(int max, String reason, boolean closeLegacy) {
    Promise<Moves> done = Promise.promise();
    context.runOnContext(v -> {
      long now = System.nanoTime();
      int pending = 0;
      for (ControllerSession s : sessions) {
        if (s.isOnline() && s.askedToMoveWithin(now, MOVE_PATIENCE_NANOS)) {
          pending++; // asked earlier, still on its way: it counts against this call's max
        }
      }
      int asked = 0;
      for (ControllerSession s : new ArrayList<>(sessions)) {
        if (asked + pending >= max) {
          break;
        }
        if (s.isOnline() && !s.askedToMoveWithin(now, MOVE_PATIENCE_NANOS) && s.inFlight() == 0
            && (s.canMove() || closeLegacy)) {
          s.askToMove(now);
          if (s.canMove()) {
            s.requestReconnect(reason);
          } else {
            s.closeWhenIdle(); // a legacy controller cannot be asked: it reconnects once closed
          }
          asked++;
        }
      }
      done.complete(new Moves(asked, pending));
    });
    return done.future();
  }

  /** How long a session asked to move is given to do it before it may be asked again. */
  static final long MOVE_PATIENCE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

  /**
   * @param asked   sessions asked to move now
   * @param pending sessions asked earlier (within the patience) that are still here
   */
  public record Moves(int asked, int pending) {
  }

  private void sessionEnded(ControllerSession session) {
    sessions.remove(session);
    if (drained != null && sessions.isEmpty()) {
      drained.tryComplete();
    }
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
    admissions.sweep(now);
  }

  // ---- this instance's bus address ----------------------------------------------------------

  private void handleHostMessage(Message<JsonObject> message) {
    HostOp op = HostOp.fromJson(message.body());
    switch (op.op()) {
      case HostOp.EVICT -> admissions.evictHere(op.parkId(), op.epoch(), op.by())
          .onComplete(ar -> message.reply(HostOp.evicted(ar.succeeded() && ar.result())));
      case HostOp.LIVE -> message.reply(admissions.live(op.parkIds()));
      default -> BusFailures.fail(message, ErrorCode.BAD_REQUEST, "unknown op " + op.op());
    }
  }

  // ---- drain and stop ----------------------------------------------------------------------

  /**
   * Graceful drain: refuse new controllers, ask every connected controller to reconnect
   * elsewhere and wait (at most {@code graceMs}) until each has moved: its new hello on another
   * node evicts the session here once the requests in flight on it are answered. Legacy sessions,
   * which cannot be asked, close as soon as nothing waits on them. Then close what is left.
   * Completes when the last session has closed (each close is an event; nothing polls). The
   * listener stays bound (closing a Vert.x server closes its connections too); new connections
   * are closed on accept, and readiness already steers load balancers away. Runs on this
   * verticle's event loop whatever thread calls it.
   *
   * @param elsewhere whether another node takes controllers; if not, none is asked to move (they
   *                  could only come back here) and each closes as soon as nothing is in flight
   */
  public Future<Void> drain(long graceMs, boolean elsewhere) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      if (drained != null) {
        drained.future().onComplete(done);
        return;
      }
      drained = Promise.promise();
      drained.future().onComplete(done);
      long graceTimer = vertx.setTimer(Math.max(1, graceMs), t -> {
        for (ControllerSession s : new ArrayList<>(sessions)) {
          s.close(CloseReason.DRAIN, null);
        }
      });
      drained.future().onComplete(ar -> vertx.cancelTimer(graceTimer));
      for (ControllerSession s : new ArrayList<>(sessions)) {
        if (s.canMove() && elsewhere) {
          s.requestReconnect("drain");
        } else {
          s.closeWhenIdle();
        }
      }
      if (sessions.isEmpty()) {
        drained.tryComplete();
      }
    });
    return done.future();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    vertx.cancelTimer(reloadTimer);
    List<Future<Void>> closing = new ArrayList<>();
    for (ControllerSession session : new ArrayList<>(sessions)) {
      session.close(CloseReason.SERVER_STOP, null);
    }
    closing.add(server == null ? Future.succeededFuture() : server.close());
    closing.add(legacyServer == null ? Future.succeededFuture() : legacyServer.close());
    closing.add(hostConsumer.unregister());
    return Future.join(closing);
  }
}
