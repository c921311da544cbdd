package io.parkgate.controller;

import io.parkgate.bus.BusFailures;
import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.ControllerCall;
import io.parkgate.bus.StaleSessionException;
import io.parkgate.config.ParkgateConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every controller connection has in common, whatever protocol it speaks: line framing with a
 * length limit, the identify deadline and the idle timeout (incoming frames only), admission as
 * its park's one live session, the bus entry point, and a close that fails waiting requests at
 * once. Every field is touched only on the event loop of the {@link ControllerVerticle} instance that
 * accepted the socket (the park's consumer is registered from a lane context, see
 * {@link ParkSubscriptions}, and hands its messages back to this one).
 *
 * <p><b>States</b> ({@link SessionState}; every transition is in this table, nothing else moves a session):
 * <table>
 *   <caption>session states</caption>
 *   <tr><th>from</th><th>event</th><th>to</th></tr>
 *   <tr><td>IDENTIFYING</td><td>a valid hello (v1) or park ID line (legacy)</td><td>REGISTERING</td></tr>
 *   <tr><td>REGISTERING</td><td>admitted: the park's one live session cluster-wide</td><td>ONLINE</td></tr>
 *   <tr><td>ONLINE</td><td>a newer session of the park, requests still in flight</td><td>RETIRING</td></tr>
 *   <tr><td>ONLINE</td><td>the node drains, the protocol cannot move, requests in flight</td><td>DRAINING</td></tr>
 *   <tr><td>RETIRING, DRAINING</td><td>the last request in flight ends</td><td>CLOSED</td></tr>
 *   <tr><td>any but CLOSED</td><td>deadline, protocol error, refusal, peer close, takeover while
 *       idle, drain grace over, node stop</td><td>CLOSED</td></tr>
 * </table>
 * ONLINE and DRAINING take new requests; RETIRING answers them {@code PARK_MOVED} (its park has
 * moved on) and only finishes what it had; CLOSED answers {@code PARK_MOVED} for the short while
 * its consumer lingers (see {@link ParkSubscriptions#RETIRED_GRACE_MS}). What is waiting on the
 * controller lives in one {@link PendingRequests} table, shared by every protocol.
 *
 * <p><b>Flow control and bounded closing</b> are {@link SocketFlow}'s: a controller that does
 * not read stops being read, is refused new bus requests ({@code GATE_BUSY}), and is closed as
 * {@code SLOW_CONSUMER} after {@link #slowConsumerBoundMs()}; a close never waits longer than that.
 * The parser is fed by the session, not wrapped around the socket: a {@code RecordParser} built on
 * a stream resumes that stream whenever it runs out of buffered data, which undid every
 * {@code socket.pause()} at the end of each read chunk.
 */
abstract class ControllerSession {

  private static final Logger LOG = LoggerFactory.getLogger(ControllerSession.class);
  private static final Buffer NEWLINE = Buffer.buffer("\n");
  /** How much earlier than the caller's bus timeout a session gives up on its controller. */
  static final long TIMEOUT_MARGIN_MS = 50;

  protected final Vertx vertx;
  protected final SessionHost host;
  protected final ParkgateConfig config;
  protected final NetSocket socket;
  protected final ControllerStats stats;
  protected final RecordParser parser;
  /** Everything waiting on the controller. */
  protected final PendingRequests pending;
  private final long connectedAtMillis = System.currentTimeMillis();
  private final long connectedAtNanos = System.nanoTime();

  protected SessionState state = SessionState.IDENTIFYING;
  protected String parkId;
  private long epoch;
  private ParkSubscriptions.Subscription subscription;
  private long lastFrameNanos = connectedAtNanos;
  private long lastFrameMillis = connectedAtMillis;
  private Runnable onClose = () -> { };
  /** Completes once the park's consumer and directory entry no longer point here. */
  private Future<Void> unregistered = Future.succeededFuture();
  /** Flow control and bounded closing (a peer that does not read). */
  private final SocketFlow flow;
  private Runnable onSocketClosed = () -> { };
  /** Why the session is closing, in words, for the history (set just before the close). */
  private String closeDetail;
  /** The newer session that took the park over (remote address, node), for the history. */
  private JsonObject takenOverBy;
  private io.parkgate.bus.ParkEntry replacedEntry;

  ControllerSession(Vertx vertx, SessionHost host, ParkgateConfig config, NetSocket socket, ControllerStats stats) {
    this.vertx = vertx;
    this.host = host;
    this.config = config;
    this.socket = socket;
    this.stats = stats;
    this.parser = RecordParser.newDelimited(NEWLINE);
    this.pending = new PendingRequests(vertx, stats, this::requestTimedOut);
    this.flow = new SocketFlow(vertx, socket, slowConsumerBoundMs(), this::closeSlowConsumer);
  }

  /**
   * Starts reading. {@code onClose} runs once, when the session ends for any reason;
   * {@code onSocketClosed} runs once, when the socket itself has closed (which may be later).
   */
  void start(Runnable onClose, Runnable onSocketClosed) {
    this.onClose = onClose;
    this.onSocketClosed = onSocketClosed;
    parser.maxRecordSize(config.maxLineBytes());
    parser.handler(this::handleRawLine);
    parser.exceptionHandler(e -> lineTooLong());
    socket.handler(parser);
    socket.exceptionHandler(e -> LOG.debug("socket error from {}: {}", remoteAddress(), e.toString()));
    socket.closeHandler(v -> socketClosed());
  }

  // ---- what each protocol provides ------------------------------------------------------------

  /** The protocol name shown in the directory. */
  abstract String protocol();

  /** Whether the controller proved which park it is (a valid token), as the directory records it. */
  abstract boolean authenticated();

  /** One complete line (without its {@code \n}), within the length limit. */
  abstract void handleLine(Buffer line);

  /** A call for the controller, from the bus; only called while ONLINE. */
  abstract void handleCall(Message<JsonObject> message, ControllerCall call, long timeoutMs);

  /**
   * A request's deadline passed; its caller has already been answered {@code GATE_TIMEOUT}. What
   * that means for the connection is the protocol's to decide.
   */
  abstract void requestTimedOut(PendingRequests.Request request);

  /** The last line to send before closing for {@code reason}, or null to close silently. */
  abstract Buffer farewell(CloseReason reason, String text);

  /** Which token secret proved the controller (current, previous, unchecked), or null (legacy: none). */
  String tokenSecret() {
    return null;
  }

  /** False while the park fails fast after a timeout. */
  abstract boolean responsive();

  /** Asks the controller to reconnect elsewhere, if the protocol can say so. */
  abstract void requestReconnect(String reason);

  /** Whether {@link #requestReconnect} makes the controller move by itself. */
  abstract boolean canMove();

  // ---- shared behaviour ----------------------------------------------------------------------

  private void handleRawLine(Buffer line) {
    if (state == SessionState.CLOSED) {
      return;
    }
    if (line.length() > config.maxLineBytes()) {
      // RecordParser only checks the unterminated tail; a whole long line in one read lands here.
      lineTooLong();
      return;
    }
    lastFrameNanos = System.nanoTime();
    lastFrameMillis = System.currentTimeMillis();
    handleLine(line);
  }

  private void lineTooLong() {
    // RecordParser reports an over-long line and keeps its buffer: answer once and close.
    stats.protocolError(protocol());
    closeWith(CloseReason.LINE_TOO_LONG, "line longer than " + config.maxLineBytes() + " bytes");
  }

  /** Requests waiting on the controller. */
  final int inFlight() {
    return pending.requests();
  }

  /**
   * Called by the verticle's sweep: enforces the identify deadline, the admission bound and the
   * idle timeout. A session waiting for admission is not idle: its controller heartbeats only once
   * the hello is answered, so it is bounded by {@link #admissionTimeoutMs()} instead (closing it
   * as idle made a reconnect storm that queues for longer than the idle timeout feed itself).
   */
  void checkDeadlines(long nowNanos) {
    if (flow.readPaused()) {
      return; // not reading is not idleness: the slow-consumer timer decides
    }
    long sinceFrameMs = (nowNanos - lastFrameNanos) / 1_000_000;
    switch (state) {
      case IDENTIFYING -> {
        if ((nowNanos - connectedAtNanos) / 1_000_000 >= config.helloTimeoutMs()) {
          closeWith(CloseReason.HELLO_TIMEOUT, "no hello within " + config.helloTimeoutMs() + " ms");
        }
      }
      case REGISTERING -> {
        if (sinceFrameMs >= admissionTimeoutMs()) {
          closeWith(CloseReason.ADMISSION_TIMEOUT, "not admitted within " + admissionTimeoutMs() + " ms");
        }
      }
      case ONLINE, DRAINING, RETIRING -> {
        if (sinceFrameMs >= config.idleTimeoutMs()) {
          closeWith(CloseReason.IDLE, "no frame for " + config.idleTimeoutMs() + " ms");
        }
      }
      default -> {
      }
    }
  }

  /** How long a full write queue may take to drain, and a close to complete: two heartbeat intervals. */
  long slowConsumerBoundMs() {
    return 2 * config.heartbeatIntervalMs();
  }

  private void closeSlowConsumer() {
    LOG.atWarn().setMessage("closing a controller that does not read: its write queue did not drain in time")
        .addKeyValue("parkId", parkId).addKeyValue("remote", remoteAddress())
        .addKeyValue("boundMs", slowConsumerBoundMs()).log();
    close(CloseReason.SLOW_CONSUMER, null);
  }

  /** How long a hello may wait for admission (queue and cluster operations): twice the idle timeout. */
  private long admissionTimeoutMs() {
    return 2 * config.idleTimeoutMs();
  }

  /**
   * The controller said who it is: become the park's one live session cluster-wide, then run
   * {@code online} (which answers the controller). Refusals close the session.
   */
  protected void admit(String park, Runnable online) {
    parkId = park;
    state = SessionState.REGISTERING;
    host.admit(this).onComplete(ar -> {
      if (state == SessionState.CLOSED) {
        return;
      }
      if (ar.failed()) {
        if (ar.cause() instanceof StaleSessionException) {
          closeWith(CloseReason.TAKEOVER, supersededText());
        } else if (ar.cause() instanceof ParkBannedException banned) {
          closeBanned(banned);
        } else {
          LOG.warn("park {}: admission failed: {}", parkId, ar.cause().toString());
          closeWith(CloseReason.ERROR, "server could not register the park");
        }
        return;
      }
      state = SessionState.ONLINE;
      // the idle clock starts now: a controller heartbeats only once its hello is answered
      lastFrameNanos = System.nanoTime();
      stats.sessionOpened(protocol(), tokenSecret());
      LOG.atInfo().setMessage("session open")
          .addKeyValue("parkId", parkId).addKeyValue("protocol", protocol()).addKeyValue("epoch", epoch)
          .addKeyValue("remote", remoteAddress()).log();
      online.run();
      host.online(this);
    });
  }

  /**
   * Entry point for requests on the park's address. A request aimed at another session of the park
   * (its epoch), or reaching this one while it takes no requests (still being admitted, retiring,
   * or closed and keeping its consumer for a grace period), is answered {@code PARK_MOVED}: the
   * sender reads the directory again and follows the park within its own time budget.
   */
  void handleBusMessage(Message<JsonObject> message) {
    ControllerCall call = ControllerCall.fromJson(message.body());
    if ((call.epoch() != 0 && call.epoch() != epoch) || !state.takesRequests) {
      BusFailures.fail(message, ErrorCode.PARK_MOVED, "this connection does not serve the park (now)");
      return;
    }
    if (ControllerCall.OP_STATUS.equals(call.op())) {
      message.reply(status());
      return;
    }
    if (flow.backedUp()) {
      // queuing more for a controller that does not read would only grow the node's memory
      BusFailures.fail(message, ErrorCode.GATE_BUSY, "the gate's connection is not draining");
      return;
    }
    // Answer GATE_TIMEOUT a little before the caller's own bus timeout fires, so the caller hears
    // it from the session (which marks the park unresponsive first); the bus timeout stays the
    // backstop for a node that vanished.
    long budget = Math.min(call.timeoutMs(), config.maxTimeoutMs());
    handleCall(message, call, Math.max(1, budget - Math.min(TIMEOUT_MARGIN_MS, budget / 10)));
  }

  /** The session's live state, for the status and directory endpoints. */
  JsonObject status() {
    return new JsonObject()
        .put("parkId", parkId)
        .put("online", state.takesRequests)
        .put("epoch", epoch)
        .put("protocol", protocol())
        .put("connectedAt", Instant.ofEpochMilli(connectedAtMillis).toString())
        .put("lastSeenAt", Instant.ofEpochMilli(lastFrameMillis).toString())
        .put("remoteAddress", remoteAddress())
        .put("responsive", responsive())
        .put("inFlight", inFlight())
        .put("tokenSecret", tokenSecret());
  }

  /**
   * A newer session of the same park exists (possibly on another node). The park leaves this
   * session at once (consumer unregistered, instance routing removed: the returned future), so no
   * new request can reach it; requests already written to the controller may still be answered on
   * this connection (a controller moving away on request does answer them), within their own
   * deadlines; the socket closes when none is left.
   */
  Future<Void> closeForTakeover(long newerEpoch, JsonObject by) {
    if (state == SessionState.CLOSED || state == SessionState.RETIRING) {
      return unregistered;
    }
    takenOverBy = by;
    LOG.debug("park {}: epoch {} superseded by {}", parkId, epoch, newerEpoch);
    if (inFlight() == 0 || !state.takesRequests) {
      closeWith(CloseReason.TAKEOVER, supersededText());
    } else {
      state = SessionState.RETIRING;
      unregistered = host.closed(this, subscription);
    }
    return unregistered;
  }

  /**
   * The node drains and this controller cannot be asked to move: it closes as soon as nothing is
   * in flight on it (at once if nothing is), taking requests until then.
   */
  void closeWhenIdle() {
    if (state == SessionState.ONLINE && inFlight() > 0) {
      state = SessionState.DRAINING;
    } else if (state != SessionState.CLOSED && state != SessionState.RETIRING) {
      close(CloseReason.DRAIN, null);
    }
  }

  /** Subclasses call this whenever a request ends: a retiring or draining session closes once it has none. */
  protected void requestEnded() {
    if (inFlight() > 0) {
      return;
    }
    if (state == SessionState.RETIRING) {
      closeWith(CloseReason.TAKEOVER, supersededText());
    } else if (state == SessionState.DRAINING) {
      close(CloseReason.DRAIN, null);
    }
  }

  private String supersededText() {
    return "a newer connection for park " + parkId + " exists";
  }

  /** Writes to the controller, with flow control ({@link SocketFlow}). */
  protected final void write(Buffer data) {
    flow.write(data);
  }

  /** Whether reading is paused because the controller does not read what it is sent. */
  boolean readPaused() {
    return flow.readPaused();
  }

  protected void closeWith(CloseReason reason, String text) {
    if (state != SessionState.CLOSED) {
      closeWith(reason, text, farewell(reason, text));
    }
  }

  /** Closes with {@code lastWords} as the last line sent, and {@code text} as the history's detail. */
  protected void closeWith(CloseReason reason, String text, Buffer lastWords) {
    if (state != SessionState.CLOSED) {
      LOG.debug("closing {} ({}): {}", remoteAddress(), reason, text);
      closeDetail = text;
      close(reason, lastWords);
    }
  }

  /**
   * The controller named its park but is refused before admission (a bad token, a source not
   * allowed): the refusal still goes to that park's history.
   */
  protected void identified(String park) {
    parkId = park;
  }

  /** The park is banned for flapping: refuse, saying when to come back (protocols that can say so). */
  protected void closeBanned(ParkBannedException banned) {
    closeWith(CloseReason.BANNED, banned.getMessage());
  }

  /** Called once as the session closes, for the protocol's own bookkeeping. */
  protected void closed() {
  }

  /** Records an event about this session in the park's history (through the host). */
  protected final void record(String type, JsonObject fields) {
    if (parkId != null) {
      host.record(this, type, fields.put("epoch", epoch).put("protocol", protocol()).put("remoteAddress", remoteAddress()));
    }
  }

  /** Ends the session: fails waiting requests at once, unregisters the park, closes the socket. */
  void close(CloseReason reason, Buffer lastWords) {
    if (state == SessionState.CLOSED) {
      return;
    }
    boolean wasAnnounced = state.announced;
    boolean stillRegistered = state != SessionState.RETIRING;
    state = SessionState.CLOSED;
    int waiting = inFlight();
    pending.failAll();
    if (stillRegistered) {
      unregistered = host.closed(this, subscription);
    }
    parser.pause();
    closed();
    flow.close(lastWords, reason == CloseReason.SLOW_CONSUMER);
    stats.sessionClosed(reason, wasAnnounced);
    JsonObject closed = new JsonObject().put("reason", reason.wire())
        .put("detail", closeDetail != null ? closeDetail : reason.defaultDetail).put("wasOnline", wasAnnounced);
    if (waiting > 0) {
      closed.put("failedPending", waiting);
    }
    if (takenOverBy != null && reason == CloseReason.TAKEOVER) {
      closed.put("takenOverBy", takenOverBy);
    }
    record(io.parkgate.bus.ParkEvent.CLOSED, closed);
    if (wasAnnounced) {
      LOG.atInfo().setMessage("session close")
          .addKeyValue("parkId", parkId).addKeyValue("protocol", protocol()).addKeyValue("epoch", epoch)
          .addKeyValue("remote", remoteAddress()).addKeyValue("reason", reason.wire())
          .addKeyValue("failedPending", waiting).log();
    }
    onClose.run();
  }

  private void socketClosed() {
    flow.closed();
    onSocketClosed.run();
    close(CloseReason.PEER_CLOSED, null);
  }

  // ---- accessors for the host ----------------------------------------------------------------

  String parkId() {
    return parkId;
  }

  long epoch() {
    return epoch;
  }

  void epoch(long epoch) {
    this.epoch = epoch;
  }

  long connectedAtMillis() {
    return connectedAtMillis;
  }

  String remoteAddress() {
    return String.valueOf(socket.remoteAddress());
  }

  /** The peer's IP address alone (no port), for allowlists and rate limits. */
  String remoteHost() {
    return socket.remoteAddress() == null ? "unknown" : socket.remoteAddress().hostAddress();
  }

  boolean isClosed() {
    return state == SessionState.CLOSED;
  }

  private long askedToMoveAt = Long.MIN_VALUE;

  /** The rebalancer asked this session to move at {@code nowNanos}. */
  void askToMove(long nowNanos) {
    askedToMoveAt = nowNanos;
  }

  boolean askedToMoveWithin(long nowNanos, long windowNanos) {
    return askedToMoveAt != Long.MIN_VALUE && nowNanos - askedToMoveAt < windowNanos;
  }

  /** Whether this is its park's live session here (not being admitted, retiring or draining). */
  boolean isOnline() {
    return state == SessionState.ONLINE;
  }

  /** The directory entry this session displaced when it was admitted (for its history), or null. */
  void replaced(io.parkgate.bus.ParkEntry previous) {
    this.replacedEntry = previous;
  }

  io.parkgate.bus.ParkEntry replacedEntry() {
    return replacedEntry;
  }

  /** The park's address consumer, registered by the host during admission. */
  void subscription(ParkSubscriptions.Subscription subscription) {
    this.subscription = subscription;
  }
}
