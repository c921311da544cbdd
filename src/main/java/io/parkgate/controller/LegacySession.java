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
import java.util.ArrayList;
import java.util.List;
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

  /** A fee query waiting for its turn or for its answer. */
  private static final class Waiting {
    final Message<JsonObject> message;
    long timerId;

    Waiting(Message<JsonObject> message) {
      this.message = message;
    }
  }

  private final Allowlist allowlist;
  private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
  private Waiting current;

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
  int inFlight() {
    return queue.size() + (current == null ? 0 : 1);
  }

  @Override
  boolean responsive() {
    return true;
  }

  @Override
  void handleLine(Buffer line) {
    String text = line.toString(StandardCharsets.UTF_8).trim();
    if (state == State.IDENTIFYING) {
      identify(text);
    } else if (isPing(text)) {
      stats.heartbeat(protocol());
    } else if (current != null) {
      answer(text);
    } else if (!text.isEmpty()) {
      stats.lateResponse();
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
      LOG.warn("legacy controller refused: park={} source={} not in the legacy allowlists", park, host);
      closeWith(CloseReason.AUTH, "not allowed");
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
    Waiting w = current;
    current = null;
    vertx.cancelTimer(w.timerId);
    if (AMOUNT.matcher(text).matches()) {
      w.message.reply(new JsonObject().put("amount", Long.parseLong(text)).put("currency", config.legacyCurrency()));
    } else {
      BusFailures.fail(w.message, ErrorCode.GATE_ERROR, "the gate answered something that is not an amount");
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
      Waiting w = new Waiting(message);
      w.timerId = vertx.setTimer(timeoutMs, t -> handleDeadline(w));
      queue.add(w);
      sendNext();
    }
  }

  private void sendNext() {
    if (current == null && !queue.isEmpty() && state == State.ONLINE) {
      current = queue.poll();
      write(GET_AMOUNT);
    }
  }

  private void handleDeadline(Waiting w) {
    if (w == current) {
      current = null;
      BusFailures.fail(w.message, ErrorCode.GATE_TIMEOUT, "the gate did not answer in time");
      LOG.info("park {}: legacy request timed out; closing so the gate reconnects in sync", parkId);
      close(CloseReason.TIMEOUT_RESYNC, null);
    } else if (queue.remove(w)) {
      BusFailures.fail(w.message, ErrorCode.GATE_TIMEOUT, "the gate did not answer in time");
      requestEnded();
    }
  }

  @Override
  void failWaiting() {
    List<Waiting> waiting = new ArrayList<>(queue);
    if (current != null) {
      waiting.add(0, current);
    }
    queue.clear();
    current = null;
    for (Waiting w : waiting) {
      vertx.cancelTimer(w.timerId);
      failOffline(w.message);
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
