package io.parkgate.controller;

import io.parkgate.bus.BusFailures;
import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.ControllerCall;
import io.parkgate.bus.ParkIds;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.protocol.ControllerMethods;
import io.parkgate.security.Allowlist;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A controller speaking the legacy text protocol of the old PHP gateways: the park ID alone on the
 * first line, {@code {"type":"ping"}} as heartbeat, {@code get_amount} answered by a bare integer.
 * There are no request ids, so requests go one at a time; the others wait in a bounded queue, each
 * with its own deadline.
 *
 * <p><b>Resynchronisation rule.</b> An answer cannot say which request it answers. So when the
 * request on the wire times out, the session closes: the controller reconnects clean, and an
 * answer that arrives late can never be taken for the next request's. Requests still queued behind
 * it fail at once with GATE_OFFLINE.
 */
final class LegacySession extends ControllerSession {

  private static final Logger LOG = LoggerFactory.getLogger(LegacySession.class);
  private static final Buffer GET_AMOUNT = Buffer.buffer("get_amount\n");
  private static final Pattern AMOUNT = Pattern.compile("\\d{1,18}");
  private static final String PING_LINE = "{\"type\":\"ping\"}";

  private static final long NONE = 0;

  private final Allowlist allowlist;
  /** Ids (in {@link #pending}) of fee queries waiting for their turn, oldest first. */
  private final ArrayDeque<Long> queue = new ArrayDeque<>();
  /** The id of the query on the wire, or {@link #NONE}. */
  private long current = NONE;

  LegacySession(Vertx vertx, SessionHost host, ParkgateConfig config, NetSocket socket, ControllerStats stats,
      Allowlist allowlist) {
    super(vertx, host, config, socket, stats);
    this.allowlist = allowlist;
  }

  @Override
  String protocol() {
    return "legacy";
  }

  @Override
  boolean authenticated() {
    return false;
  }

  @Override
  boolean responsive() {
    return true;
  }

  @Override
  void handleLine(Buffer line) {
    String text = line.toString(StandardCharsets.UTF_8).trim();
    if (state == SessionState.IDENTIFYING) {
      identify(text);
    } else if (isPing(text)) {
      stats.heartbeat(protocol());
    } else if (current != NONE) {
      answer(text);
    } else if (!text.isEmpty()) {
      pending.lateAnswer();
      LOG.debug("park {}: dropped a line nobody asked for", parkId);
    }
  }

  private void identify(String park) {
    if (!ParkIds.isValid(park)) {
      stats.protocolError(protocol());
      closeWith(CloseReason.PROTOCOL_ERROR, "invalid park id");
      return;
    }
    String host = remoteHost();
    if (!allowlist.allowsPark(park) || !allowlist.allowsSource(host)) {
      stats.authFailure(protocol());
      identified(park);
      LOG.warn("legacy controller refused: park={} source={} not in the legacy allowlists", park, host);
      closeWith(CloseReason.AUTH, "park or source not in the legacy allowlists");
      return;
    }
    admit(park, () -> { });
  }

  private static boolean isPing(String text) {
    if (PING_LINE.equals(text)) {
      return true;
    }
    if (!text.startsWith("{")) {
      return false;
    }
    try {
      return "ping".equals(new JsonObject(text).getValue("type"));
    } catch (RuntimeException e) {
      return false;
    }
  }

  private void answer(String text) {
    PendingRequests.Request r = pending.remove(current);
    current = NONE;
    if (AMOUNT.matcher(text).matches()) {
      r.message().reply(new JsonObject().put("amount", Long.parseLong(text)).put("currency", config.legacyCurrency()));
    } else {
      BusFailures.fail(r.message(), ErrorCode.GATE_ERROR, "the gate answered something that is not an amount");
    }
    sendNext();
    requestEnded();
  }

  @Override
  void handleCall(Message<JsonObject> message, ControllerCall call, long timeoutMs) {
    if (ControllerMethods.PAYMENT_NOTIFY.equals(call.method())) {
      BusFailures.fail(message, ErrorCode.NOT_SUPPORTED, "legacy gates cannot receive payment notifications");
    } else if (!ControllerMethods.FEE_QUERY.equals(call.method())) {
      BusFailures.fail(message, ErrorCode.BAD_REQUEST, "unknown gate method " + call.method());
    } else if (inFlight() >= config.legacyQueueLimit()) {
      BusFailures.fail(message, ErrorCode.GATE_BUSY,
          "too many requests waiting for this legacy gate (" + config.legacyQueueLimit() + ")");
    } else {
      queue.add(pending.add(message, call.method(), timeoutMs));
      sendNext();
    }
  }

  private void sendNext() {
    if (current == NONE && !queue.isEmpty() && state.takesRequests) {
      current = queue.poll();
      write(GET_AMOUNT);
    }
  }

  @Override
  void requestTimedOut(PendingRequests.Request request) {
    if (request.id() == current) {
      current = NONE;
      LOG.info("park {}: legacy request timed out; closing so the gate reconnects in sync", parkId);
      close(CloseReason.TIMEOUT_RESYNC, null);
    } else {
      queue.remove(request.id());
      requestEnded();
    }
  }

  @Override
  Buffer farewell(CloseReason reason, String text) {
    return null; // the legacy protocol has no way to say why
  }

  @Override
  boolean canMove() {
    return false;
  }

  @Override
  void requestReconnect(String reason) {
    // the legacy protocol cannot ask; drain closes the connection at the end of its grace period
  }
}
