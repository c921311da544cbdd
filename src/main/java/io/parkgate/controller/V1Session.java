package io.parkgate.controller;

import io.parkgate.bus.BusFailures;
import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.ControllerCall;
import io.parkgate.bus.GateReports;
import io.parkgate.bus.GatewayException;
import io.parkgate.bus.ParkEvent;
import io.parkgate.bus.ParkIds;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.protocol.ControllerMethods;
import io.parkgate.protocol.JsonRpcCodec;
import io.parkgate.protocol.ProtocolException;
import io.parkgate.protocol.RpcError;
import io.parkgate.protocol.RpcMessage;
import io.parkgate.protocol.RpcRequest;
import io.parkgate.protocol.RpcResponse;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.time.Instant;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A controller connection speaking protocol v1 (JSON-RPC 2.0 lines, see docs/protocol.md): any
 * number of requests outstanding, matched by ids that are never reused; after a timeout the park
 * fails fast until the controller speaks again.
 */
final class V1Session extends ControllerSession {

  private static final Logger LOG = LoggerFactory.getLogger(V1Session.class);

  private final TokenVerifier tokens;
  private final GateReports reports;
  /** event.report requests not answered yet, oldest first; the head is being stored. */
  private final ArrayDeque<RpcRequest> eventReports = new ArrayDeque<>();
  private boolean unresponsive;
  /** Which token secret proved the hello: current, previous (being rotated out) or unchecked. */
  private String tokenSecret;

  V1Session(Vertx vertx, SessionHost host, ParkgateConfig config, NetSocket socket, ControllerStats stats,
      TokenVerifier tokens, GateReports reports) {
    super(vertx, host, config, socket, stats);
    this.tokens = tokens;
    this.reports = reports;
  }

  @Override
  String protocol() {
    return "v1";
  }

  /** A valid token proves the park, unless the node accepts any token (development only). */
  @Override
  boolean authenticated() {
    return !config.insecureAcceptAnyToken();
  }

  @Override
  String tokenSecret() {
    return tokenSecret;
  }

  @Override
  boolean responsive() {
    return !unresponsive;
  }

  // ---- controller → server ----------------------------------------------------------------

  @Override
  void handleLine(Buffer line) {
    if (unresponsive) {
      unresponsive = false;
      stats.unresponsive(false);
      record(ParkEvent.RESPONSIVE, new JsonObject().put("detail", "the controller spoke again"));
    }
    int pingId = state == SessionState.IDENTIFYING ? -1 : JsonRpcCodec.canonicalPingId(line);
    if (pingId >= 0) {
      // heartbeats are the bulk of all frames: a canonical ping is answered without a JSON tree
      stats.heartbeat(protocol());
      write(JsonRpcCodec.encodePong(line, pingId));
      return;
    }
    RpcMessage message;
    try {
      message = JsonRpcCodec.decode(line);
    } catch (ProtocolException e) {
      stats.protocolError(protocol());
      closeWithError(CloseReason.PROTOCOL_ERROR, e.error(), e.id());
      return;
    }
    if (state == SessionState.IDENTIFYING) {
      if (message instanceof RpcRequest r && ControllerMethods.HELLO.equals(r.method()) && !r.isNotification()) {
        handleHello(r);
      } else {
        closeWithError(CloseReason.PROTOCOL_ERROR,
            new RpcError(RpcError.HELLO_REQUIRED, "the first message must be the request hello"), message.id());
      }
    } else if (message instanceof RpcResponse response) {
      handleResponse(response);
    } else {
      handleRequest((RpcRequest) message);
    }
  }

  private void handleRequest(RpcRequest request) {
    switch (request.method()) {
      case ControllerMethods.PING -> {
        stats.heartbeat(protocol());
        if (!request.isNotification()) {
          write(JsonRpcCodec.encodePong(request.id()));
        }
      }
      case ControllerMethods.EVENT_REPORT -> eventReport(request);
      case ControllerMethods.HELLO -> reply(request, RpcResponse.failure(request.id(),
          new RpcError(RpcError.HELLO_REQUIRED, "hello was already received on this connection")));
      default -> reply(request, RpcResponse.failure(request.id(),
          new RpcError(RpcError.METHOD_NOT_FOUND, "unknown method " + request.method())));
    }
  }

  /**
   * Takes an event.report: at most {@code events.maxInFlightPerConnection} wait per connection
   * (more are refused at once, -32011), and they are stored one after the other in the order they
   * came, at most {@code events.maxPerSecondPerConnection} a second, so a gate's events reach the
   * store, the history and the webhooks in its own order, and a backlog of thousands costs the node
   * one store operation at a time per connection, at a bounded pace.
   */
  private void eventReport(RpcRequest request) {
    if (request.isNotification()) {
      return; // an event nobody waits an answer for could be lost: only requests are stored
    }
    if (eventReports.size() >= config.maxEventsInFlight()) {
      reply(request, RpcResponse.failure(request.id(), new RpcError(RpcError.EVENTS_BUSY,
          "more than " + config.maxEventsInFlight() + " event.report requests unanswered; send it again after an answer",
          new JsonObject().put("maxEventsInFlight", config.maxEventsInFlight()))));
      return;
    }
    eventReports.add(request);
    storeNextWhenDue();
  }

  /**
   * Starts storing the oldest waiting report, unless one is being stored or the pace says wait:
   * one starts no sooner than {@code 1 / events.maxPerSecondPerConnection} after the one before.
   */
  private void storeNextWhenDue() {
    if (storingEvent || paceTimer != -1 || eventReports.isEmpty()) {
      return;
    }
    if (isClosed()) {
      eventReports.clear(); // unanswered: the controller sends them again on its next connection
      return;
    }
    long waitNanos = eventStartedNanos + 1_000_000_000L / config.maxEventsPerSecond() - System.nanoTime();
    if (eventStartedNanos != 0 && waitNanos > 1_000_000L) {
      paceTimer = vertx.setTimer(waitNanos / 1_000_000L, t -> {
        paceTimer = -1;
        storeNextWhenDue();
      });
      return;
    }
    RpcRequest request = eventReports.peek();
    storingEvent = true;
    eventStartedNanos = System.nanoTime();
    reports.report(parkId, request.params()).onComplete(ar -> {
      storingEvent = false;
      eventReports.poll();
      if (isClosed()) {
        eventReports.clear();
        return;
      }
      if (ar.succeeded()) {
        reply(request, RpcResponse.success(request.id(), ar.result()));
      } else if (ar.cause() instanceof IllegalArgumentException invalid) {
        reply(request, RpcResponse.failure(request.id(), new RpcError(RpcError.INVALID_PARAMS, invalid.getMessage())));
      } else {
        LOG.debug("park {}: event not stored: {}", parkId, ar.cause().toString());
        reply(request, RpcResponse.failure(request.id(), new RpcError(RpcError.NOT_STORED,
            "the event was not stored (" + ar.cause().getMessage() + "); send it again later")));
      }
      storeNextWhenDue();
    });
  }

  /** Whether the oldest of {@link #eventReports} is with the store now. */
  private boolean storingEvent;
  /** When the last event was handed to the store (System.nanoTime; 0: none yet). */
  private long eventStartedNanos;
  /** The timer that starts the next event when the pace allows, or -1. */
  private long paceTimer = -1;

  private void handleHello(RpcRequest hello) {
    Object id = hello.params().getValue("parkId");
    Object token = hello.params().getValue("token");
    if (!(id instanceof String p) || !ParkIds.isValid(p)) {
      closeWithError(CloseReason.PROTOCOL_ERROR, new RpcError(RpcError.INVALID_PARAMS,
          "parkId must be a string matching " + ParkIds.PATTERN.pattern()), hello.id());
      return;
    }
    if (!(token instanceof String t)) {
      closeWithError(CloseReason.PROTOCOL_ERROR,
          new RpcError(RpcError.INVALID_PARAMS, "token must be a string"), hello.id());
      return;
    }
    switch (tokens.check(p, t, remoteHost())) {
      case ACCEPTED -> tokenSecret = config.insecureAcceptAnyToken() ? "unchecked" : "current";
      case ACCEPTED_PREVIOUS -> tokenSecret = "previous";
      case INVALID -> {
        stats.authFailure(protocol());
        identified(p);
        LOG.atWarn().setMessage("hello refused: invalid token")
            .addKeyValue("parkId", p).addKeyValue("remote", remoteAddress()).log();
        closeWithError(CloseReason.AUTH, new RpcError(RpcError.UNAUTHORIZED, "invalid token for park " + p), hello.id());
        return;
      }
      case PARK_LOCKED -> {
        stats.authFailure(protocol());
        closeWithError(CloseReason.AUTH, new RpcError(RpcError.UNAUTHORIZED,
            "too many failed hellos for park " + p + " from this address; try again later"), hello.id());
        return;
      }
      case SOURCE_CEILING -> {
        // past the ceiling, refusals are counted but not logged one by one: the log is no flood target
        stats.authFailure(protocol());
        closeWithError(CloseReason.AUTH, new RpcError(RpcError.UNAUTHORIZED,
            "invalid token, and too many failed hellos from this address; try again later"), hello.id());
        return;
      }
      default -> throw new IllegalStateException();
    }
    helloId = hello.id();
    admit(p, () -> write(JsonRpcCodec.encode(RpcResponse.success(hello.id(), new JsonObject()
        .put("heartbeatIntervalMs", config.heartbeatIntervalMs())
        .put("idleTimeoutMs", config.idleTimeoutMs())
        .put("maxLineBytes", config.maxLineBytes())
        .put("maxEventsInFlight", config.maxEventsInFlight())
        .put("serverTime", Instant.now().toString())))));
  }

  /** The id of the hello being answered, so a refusal during admission carries it. */
  private Object helloId;

  private void handleResponse(RpcResponse response) {
    PendingRequests.Request p = response.id() instanceof Long id ? pending.take(id) : null;
    if (p == null) {
      // Ids are never reused on a connection, so an unknown id is a late or bogus answer: drop it.
      if (!(response.id() instanceof Long)) {
        pending.lateAnswer();
      }
      LOG.debug("park {}: dropped response to unknown or expired id {}", parkId, response.id());
      return;
    }
    if (p.isProbe()) {
      return; // answer to our ping: the frame itself already proved the controller alive
    }
    if (response.isError()) {
      failWithGateError(p, response.error());
      requestEnded();
      return;
    }
    String problem = ControllerMethods.checkResult(p.method(), response.result());
    if (problem != null) {
      BusFailures.fail(p.message(), ErrorCode.GATE_ERROR, "the gate answered a malformed result: " + problem);
    } else {
      p.message().reply(response.result());
    }
    requestEnded();
  }

  private void failWithGateError(PendingRequests.Request p, RpcError e) {
    boolean unsupported = e.code() == RpcError.METHOD_NOT_FOUND;
    BusFailures.fail(p.message(), new GatewayException(
        unsupported ? ErrorCode.NOT_SUPPORTED : ErrorCode.GATE_ERROR,
        (unsupported ? "the gate does not support " + p.method() + ": " : "the gate answered with an error: ")
            + e.message(),
        new JsonObject().put("gateCode", e.code()).put("gateMessage", e.message())));
  }

  // ---- bus → controller ---------------------------------------------------------------------

  @Override
  void handleCall(Message<JsonObject> message, ControllerCall call, long timeoutMs) {
    if (!ControllerMethods.isServerCall(call.method())) {
      BusFailures.fail(message, ErrorCode.BAD_REQUEST, "unknown gate method " + call.method());
    } else if (unresponsive) {
      BusFailures.fail(message, ErrorCode.GATE_UNRESPONSIVE,
          "the gate has not spoken since a request to it timed out");
    } else if (inFlight() >= config.maxInFlightPerPark()) {
      BusFailures.fail(message, ErrorCode.GATE_BUSY,
          "too many requests in flight for this park (" + config.maxInFlightPerPark() + ")");
    } else {
      send(message, call.method(), call.params(), timeoutMs);
    }
  }

  private void send(Message<JsonObject> message, String method, JsonObject params, long timeoutMs) {
    long id = pending.add(message, method, timeoutMs);
    write(JsonRpcCodec.encode(new RpcRequest(id, method, params)));
  }

  @Override
  void requestTimedOut(PendingRequests.Request request) {
    if (request.isProbe()) {
      return; // the controller is already marked unresponsive; the idle timeout decides the rest
    }
    requestEnded();
    if (!unresponsive && !isClosed()) {
      // Fail fast from now on, and ask the controller to prove it is alive.
      unresponsive = true;
      stats.unresponsive(true);
      LOG.info("park {}: request timed out, marked unresponsive until it speaks", parkId);
      record(ParkEvent.UNRESPONSIVE, new JsonObject().put("detail", request.method() + " got no answer within "
          + request.timeoutMs() + " ms; requests fail fast until the controller speaks"));
      send(null, ControllerMethods.PING, new JsonObject(), config.heartbeatIntervalMs());
    }
  }

  // ---- writing and closing --------------------------------------------------------------------

  private void reply(RpcRequest request, RpcResponse response) {
    if (!request.isNotification()) {
      write(JsonRpcCodec.encode(response));
    }
  }

  private void closeWithError(CloseReason reason, RpcError error, Object id) {
    closeWith(reason, error.message(), JsonRpcCodec.encode(RpcResponse.failure(id, error)));
  }

  @Override
  protected void closed() {
    if (unresponsive) {
      unresponsive = false;
      stats.unresponsive(false);
    }
    if (paceTimer != -1) {
      vertx.cancelTimer(paceTimer);
      paceTimer = -1;
    }
    eventReports.clear(); // unanswered: the controller sends them again on its next connection
  }

  @Override
  protected void closeBanned(ParkBannedException banned) {
    closeWithError(CloseReason.BANNED, new RpcError(RpcError.PARK_BANNED, banned.getMessage(),
        new JsonObject().put("retryAfterMs", banned.retryAfterMs())), helloId);
  }

  @Override
  Buffer farewell(CloseReason reason, String text) {
    int code = switch (reason) {
      case HELLO_TIMEOUT -> RpcError.HELLO_TIMEOUT;
      case IDLE -> RpcError.IDLE_TIMEOUT;
      case TAKEOVER -> RpcError.SUPERSEDED;
      case LINE_TOO_LONG -> RpcError.LINE_TOO_LONG;
      case PROTOCOL_ERROR -> RpcError.INVALID_REQUEST;
      case BANNED -> RpcError.PARK_BANNED;
      case SLOW_CONSUMER, DRAIN, SERVER_STOP, ADMISSION_TIMEOUT, ERROR, AUTH, PEER_CLOSED, TIMEOUT_RESYNC ->
          RpcError.INTERNAL_ERROR;
    };
    // a refusal during admission answers the hello itself; later errors carry no id
    Object id = state == SessionState.REGISTERING ? helloId : null;
    return JsonRpcCodec.encode(RpcResponse.failure(id, new RpcError(code, text)));
  }

  @Override
  boolean canMove() {
    return true;
  }

  @Override
  void requestReconnect(String reason) {
    if (state == SessionState.ONLINE) {
      write(JsonRpcCodec.encode(new RpcRequest(null, ControllerMethods.RECONNECT,
          new JsonObject().put("reason", reason))));
    }
  }

}
