package io.parkgate.device;

import io.parkgate.bus.Addresses;
import io.parkgate.bus.BusFailures;
import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.GateCall;
import io.parkgate.bus.GatewayException;
import io.parkgate.bus.ParkIds;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.protocol.GateMethods;
import io.parkgate.protocol.JsonRpcCodec;
import io.parkgate.protocol.ProtocolException;
import io.parkgate.protocol.RpcError;
import io.parkgate.protocol.RpcMessage;
import io.parkgate.protocol.RpcRequest;
import io.parkgate.protocol.RpcResponse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One controller connection speaking protocol v1. Every field is touched only on the event loop of
 * the {@link DeviceVerticle} instance that accepted the socket (the park's consumer is registered
 * from that same context, so bus messages arrive there too).
 *
 * <p>Lifecycle: {@code AWAITING_HELLO} → {@code REGISTERING} (consumer written to the cluster) →
 * {@code ONLINE} (hello answered) → {@code CLOSED}. Closing fails every pending request at once.
 */
final class DeviceSession {

  private static final Logger LOG = LoggerFactory.getLogger(DeviceSession.class);
  private static final Buffer NEWLINE = Buffer.buffer("\n");
  /** How much earlier than the caller's bus timeout the session gives up on the controller. */
  static final long TIMEOUT_MARGIN_MS = 50;

  enum State { AWAITING_HELLO, REGISTERING, ONLINE, CLOSED }

  /** Why a session ended; logged and (later) counted. */
  enum CloseReason { PEER_CLOSED, IDLE, HELLO_TIMEOUT, PROTOCOL_ERROR, TAKEOVER, DRAIN, SERVER_STOP, ERROR }

  /** A request written to the controller and not yet answered. {@code message} is null for pings. */
  private record Pending(Message<JsonObject> message, String method, long timerId) {
  }

  private final Vertx vertx;
  private final SessionHost host;
  private final ParkgateConfig config;
  private final NetSocket socket;
  private final DeviceStats stats;
  private final RecordParser parser;
  private final long connectedAtMillis = System.currentTimeMillis();
  private final long connectedAtNanos = System.nanoTime();
  private final Map<Long, Pending> pending = new HashMap<>();

  private State state = State.AWAITING_HELLO;
  private String parkId;
  private long epoch;
  private MessageConsumer<JsonObject> consumer;
  private long lastFrameNanos = System.nanoTime();
  private long lastFrameMillis = connectedAtMillis;
  private long nextId = 1;
  private int inFlight;
  private boolean unresponsive;
  private Runnable onClose = () -> { };
  private Future<Void> unregistered = Future.succeededFuture();

  DeviceSession(Vertx vertx, SessionHost host, ParkgateConfig config, NetSocket socket, DeviceStats stats) {
    this.vertx = vertx;
    this.host = host;
    this.config = config;
    this.socket = socket;
    this.stats = stats;
    this.parser = RecordParser.newDelimited(NEWLINE, socket);
  }

  /** Starts reading; {@code onClose} runs once, when the session ends for any reason. */
  void start(Runnable onClose) {
    this.onClose = onClose;
    parser.maxRecordSize(config.maxLineBytes());
    parser.handler(this::handleLine);
    parser.exceptionHandler(this::handleParserFailure);
    socket.exceptionHandler(e -> LOG.debug("socket error from {}: {}", remote(), e.toString()));
    socket.closeHandler(v -> close(CloseReason.PEER_CLOSED, null));
  }

  State state() {
    return state;
  }

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
    return remote();
  }

  int inFlight() {
    return inFlight;
  }

  boolean isClosed() {
    return state == State.CLOSED;
  }

  /** The park's address consumer, registered by the host during admission. */
  void consumer(MessageConsumer<JsonObject> consumer) {
    this.consumer = consumer;
  }

  /** Called by the verticle's sweep: enforces the hello deadline and the idle timeout. */
  void checkDeadlines(long nowNanos) {
    long silentMs = (nowNanos - lastFrameNanos) / 1_000_000;
    long connectedMs = (nowNanos - connectedAtNanos) / 1_000_000;
    if (state == State.AWAITING_HELLO && connectedMs >= config.helloTimeoutMs()) {
      closeWithError(CloseReason.HELLO_TIMEOUT, new RpcError(RpcError.HELLO_TIMEOUT,
          "no hello within " + config.helloTimeoutMs() + " ms"));
    } else if (state != State.AWAITING_HELLO && silentMs >= config.idleTimeoutMs()) {
      closeWithError(CloseReason.IDLE, new RpcError(RpcError.IDLE_TIMEOUT,
          "no frame for " + config.idleTimeoutMs() + " ms"));
    }
  }

  // ---- controller → server ----------------------------------------------------------------

  private void handleParserFailure(Throwable failure) {
    // RecordParser reports an over-long line here and keeps its buffer: answer once and close.
    closeWithError(CloseReason.PROTOCOL_ERROR,
        new RpcError(RpcError.LINE_TOO_LONG, "line longer than " + config.maxLineBytes() + " bytes"));
  }

  private void handleLine(Buffer line) {
    if (state == State.CLOSED) {
      return;
    }
    if (line.length() > config.maxLineBytes()) {
      // RecordParser only checks the unterminated tail; a whole long line in one read lands here.
      handleParserFailure(null);
      return;
    }
    lastFrameNanos = System.nanoTime();
    lastFrameMillis = System.currentTimeMillis();
    unresponsive = false;
    RpcMessage message;
    try {
      message = JsonRpcCodec.decode(line);
    } catch (ProtocolException e) {
      stats.protocolErrors++;
      closeWithError(CloseReason.PROTOCOL_ERROR, e.error(), e.id());
      return;
    }
    if (state == State.AWAITING_HELLO && message instanceof RpcResponse) {
      closeWithError(CloseReason.PROTOCOL_ERROR,
          new RpcError(RpcError.HELLO_REQUIRED, "the first message must be the request hello"), message.id());
    } else if (message instanceof RpcResponse response) {
      handleResponse(response);
    } else {
      handleRequest((RpcRequest) message);
    }
  }

  private void handleRequest(RpcRequest request) {
    if (state == State.AWAITING_HELLO) {
      if (!GateMethods.HELLO.equals(request.method()) || request.isNotification()) {
        closeWithError(CloseReason.PROTOCOL_ERROR,
            new RpcError(RpcError.HELLO_REQUIRED, "the first message must be the request hello"), request.id());
        return;
      }
      handleHello(request);
      return;
    }
    switch (request.method()) {
      case GateMethods.PING -> {
        stats.heartbeats++;
        reply(request, RpcResponse.success(request.id(), new JsonObject()));
      }
      case GateMethods.HELLO -> reply(request, RpcResponse.failure(request.id(),
          new RpcError(RpcError.HELLO_REQUIRED, "hello was already received on this connection")));
      default -> reply(request, RpcResponse.failure(request.id(),
          new RpcError(RpcError.METHOD_NOT_FOUND, "unknown method " + request.method())));
    }
  }

  private void handleHello(RpcRequest hello) {
    Object id = hello.params().getValue("parkId");
    Object token = hello.params().getValue("token");
    if (!(id instanceof String p) || !ParkIds.isValid(p)) {
      closeWithError(CloseReason.PROTOCOL_ERROR, new RpcError(RpcError.INVALID_PARAMS,
          "parkId must be a string matching " + ParkIds.PATTERN.pattern()), hello.id());
      return;
    }
    if (!(token instanceof String)) {
      closeWithError(CloseReason.PROTOCOL_ERROR,
          new RpcError(RpcError.INVALID_PARAMS, "token must be a string"), hello.id());
      return;
    }
    parkId = p;
    state = State.REGISTERING;
    host.admit(this).onComplete(ar -> {
      if (state == State.CLOSED) {
        return;
      }
      if (ar.failed()) {
        if (ar.cause() instanceof io.parkgate.cluster.StaleSessionException) {
          closeWithError(CloseReason.TAKEOVER, new RpcError(RpcError.SUPERSEDED,
              "a newer connection for park " + parkId + " exists"), hello.id());
        } else {
          LOG.warn("park {}: admission failed: {}", parkId, ar.cause().toString());
          closeWithError(CloseReason.ERROR,
              new RpcError(RpcError.INTERNAL_ERROR, "server could not register the park"), hello.id());
        }
        return;
      }
      state = State.ONLINE;
      stats.sessionsOpened++;
      LOG.info("session open park={} epoch={} remote={}", parkId, epoch, remote());
      socket.write(JsonRpcCodec.encode(RpcResponse.success(hello.id(), new JsonObject()
          .put("heartbeatIntervalMs", config.heartbeatIntervalMs())
          .put("idleTimeoutMs", config.idleTimeoutMs())
          .put("maxLineBytes", config.maxLineBytes())
          .put("serverTime", Instant.now().toString()))));
    });
  }

  private void handleResponse(RpcResponse response) {
    Pending p = response.id() instanceof Long id ? pending.remove(id) : null;
    if (p == null) {
      // Ids are never reused on a connection, so an unknown id is a late or bogus answer: drop it.
      stats.lateResponses++;
      LOG.debug("park {}: dropped response to unknown or expired id {}", parkId, response.id());
      return;
    }
    vertx.cancelTimer(p.timerId());
    if (p.message() == null) {
      return; // answer to our ping: the frame itself already proved the controller alive
    }
    inFlight--;
    if (response.isError()) {
      RpcError e = response.error();
      boolean unsupported = e.code() == RpcError.METHOD_NOT_FOUND;
      BusFailures.fail(p.message(), new GatewayException(
          unsupported ? ErrorCode.NOT_SUPPORTED : ErrorCode.GATE_ERROR,
          (unsupported ? "the gate does not support " + p.method() + ": " : "the gate answered with an error: ")
              + e.message(),
          new JsonObject().put("gateCode", e.code()).put("gateMessage", e.message())));
      return;
    }
    String problem = GateMethods.checkResult(p.method(), response.result());
    if (problem != null) {
      BusFailures.fail(p.message(), ErrorCode.GATE_ERROR, "the gate answered a malformed result: " + problem);
      return;
    }
    p.message().reply(response.result());
  }

  // ---- bus → controller ---------------------------------------------------------------------

  void handleBusMessage(Message<JsonObject> message) {
    GateCall call = GateCall.fromJson(message.body());
    if (GateCall.OP_STATUS.equals(call.op())) {
      message.reply(status());
      return;
    }
    if (state != State.ONLINE) {
      BusFailures.fail(message, ErrorCode.GATE_OFFLINE, "the gate's session is not open");
    } else if (!GateMethods.isServerCall(call.method())) {
      BusFailures.fail(message, ErrorCode.BAD_REQUEST, "unknown gate method " + call.method());
    } else if (unresponsive) {
      BusFailures.fail(message, ErrorCode.GATE_UNRESPONSIVE,
          "the gate has not spoken since a request to it timed out");
    } else if (inFlight >= config.maxInFlightPerPark()) {
      BusFailures.fail(message, ErrorCode.GATE_BUSY,
          "too many requests in flight for this park (" + config.maxInFlightPerPark() + ")");
    } else if (socket.writeQueueFull()) {
      BusFailures.fail(message, ErrorCode.GATE_BUSY, "the gate's connection is not draining");
    } else {
      // Answer GATE_TIMEOUT a little before the caller's own bus timeout fires, so the caller
      // hears it from the session (which marks the park unresponsive first); the bus timeout
      // stays the backstop for a node that vanished.
      long budget = Math.min(call.timeoutMs(), config.maxTimeoutMs());
      long timeout = Math.max(1, budget - Math.min(TIMEOUT_MARGIN_MS, budget / 10));
      send(message, call.method(), call.params(), timeout);
    }
  }

  private void send(Message<JsonObject> message, String method, JsonObject params, long timeoutMs) {
    long id = nextId++;
    long timer = vertx.setTimer(timeoutMs, t -> handleTimeout(id));
    pending.put(id, new Pending(message, method, timer));
    if (message != null) {
      inFlight++;
    }
    socket.write(JsonRpcCodec.encode(new RpcRequest(id, method, params)));
  }

  private void handleTimeout(long id) {
    Pending p = pending.remove(id);
    if (p == null || p.message() == null) {
      return;
    }
    inFlight--;
    stats.timeouts++;
    BusFailures.fail(p.message(), ErrorCode.GATE_TIMEOUT, "the gate did not answer in time");
    if (!unresponsive) {
      // Fail fast from now on, and ask the controller to prove it is alive.
      unresponsive = true;
      LOG.info("park {}: request timed out, marked unresponsive until it speaks", parkId);
      send(null, GateMethods.PING, new JsonObject(), config.heartbeatIntervalMs());
    }
  }

  /** The session's live state, for the status and directory endpoints. */
  JsonObject status() {
    return new JsonObject()
        .put("parkId", parkId)
        .put("online", state == State.ONLINE)
        .put("epoch", epoch)
        .put("connectedAt", Instant.ofEpochMilli(connectedAtMillis).toString())
        .put("lastSeenAt", Instant.ofEpochMilli(lastFrameMillis).toString())
        .put("remoteAddress", remote())
        .put("responsive", !unresponsive)
        .put("inFlight", inFlight);
  }

  // ---- writing and closing --------------------------------------------------------------------

  private void reply(RpcRequest request, RpcResponse response) {
    if (request.isNotification()) {
      return;
    }
    socket.write(JsonRpcCodec.encode(response));
    if (socket.writeQueueFull()) {
      // A peer that floods us with requests but does not read our answers: stop reading the socket
      // until it does. The parser keeps its own demand, so it still finishes the chunk it holds
      // (bounded by one read) instead of buffering it past maxLineBytes.
      socket.pause();
      socket.drainHandler(v -> socket.resume());
    }
  }

  private void closeWithError(CloseReason reason, RpcError error) {
    closeWithError(reason, error, null);
  }

  private void closeWithError(CloseReason reason, RpcError error, Object id) {
    if (state == State.CLOSED) {
      return;
    }
    LOG.debug("closing {} ({}): {}", remote(), reason, error.message());
    Buffer line = JsonRpcCodec.encode(RpcResponse.failure(id, error));
    close(reason, line);
  }

  /** Asks the controller to reconnect (elsewhere); the session keeps serving until it goes. */
  void requestReconnect(String reason) {
    if (state == State.ONLINE) {
      socket.write(JsonRpcCodec.encode(new RpcRequest(null, GateMethods.RECONNECT,
          new JsonObject().put("reason", reason))));
    }
  }

  /** Closed because a newer session of the same park exists (possibly on another node). */
  Future<Void> closeForTakeover(long newerEpoch) {
    if (state != State.CLOSED) {
      LOG.debug("park {}: epoch {} superseded by {}", parkId, epoch, newerEpoch);
      Buffer line = JsonRpcCodec.encode(RpcResponse.failure(null, new RpcError(RpcError.SUPERSEDED,
          "a newer connection for park " + parkId + " exists")));
      close(CloseReason.TAKEOVER, line);
    }
    return unregistered;
  }

  /** Ends the session: fails pending requests at once, unregisters the park, closes the socket. */
  void close(CloseReason reason, Buffer lastWords) {
    if (state == State.CLOSED) {
      return;
    }
    boolean wasAnnounced = state == State.ONLINE;
    state = State.CLOSED;
    List<Pending> waiting = new ArrayList<>(pending.values());
    pending.clear();
    inFlight = 0;
    for (Pending p : waiting) {
      vertx.cancelTimer(p.timerId());
      if (p.message() != null) {
        BusFailures.fail(p.message(), ErrorCode.GATE_OFFLINE,
            "the gate's connection closed before it answered");
      }
    }
    unregistered = host.closed(this, consumer);
    parser.pause();
    if (lastWords != null) {
      socket.end(lastWords);
    } else {
      socket.close();
    }
    if (wasAnnounced) {
      stats.sessionsClosed++;
      LOG.info("session close park={} epoch={} remote={} reason={} failedPending={}",
          parkId, epoch, remote(), reason, waiting.size());
    }
    onClose.run();
  }

  private String remote() {
    return String.valueOf(socket.remoteAddress());
  }
}
