package io.parkgate.sim;

import io.parkgate.protocol.ControllerMethods;
import io.parkgate.protocol.JsonRpcCodec;
import io.parkgate.protocol.ProtocolException;
import io.parkgate.protocol.RpcError;
import io.parkgate.protocol.RpcMessage;
import io.parkgate.protocol.RpcRequest;
import io.parkgate.protocol.RpcResponse;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated gate controller speaking protocol v1: hello, heartbeats, answers to fee.query and
 * payment.notify, reconnect with jittered exponential backoff, and a connection closed when
 * parkgate sent nothing for 3 heartbeat intervals (protocol.md §5). A black-holed gate goes silent after
 * its delay as a silently dropped network would: it keeps the socket, reads nothing, sends nothing,
 * and since its network is "down" it never reconnects.
 */
final class SimulatedController {

  private static final Logger LOG = LoggerFactory.getLogger(SimulatedController.class);
  private static final long BACKOFF_MIN_MS = 200;
  private static final long BACKOFF_MAX_MS = 30_000;
  private static final long HELLO_ID = 0;
  private static final long LEGACY_HEARTBEAT_MS = 5_000;
  private static final Buffer LEGACY_PING = Buffer.buffer("{\"type\":\"ping\"}\n");
  /** Heartbeat intervals without any frame from parkgate after which the link is dead (protocol.md §5). */
  static final int SILENT_HEARTBEATS = 3;

  private final Vertx vertx;
  private final NetClient client;
  private final SimulatorOptions options;
  private final String parkId;
  private final SimulatorStats stats;
  /** Payments this gate applied, with the answer it gave: repeats get the same answer. */
  /**
   * Payments applied, by paymentId, each kept until {@link #KEEP_APPLIED_MS} past its validUntil (a
   * repeat sent just before validUntil must still get "opened", not "expired"), then forgotten, so a
   * long simulation does not grow without bound.
   */
  private final java.util.Map<String, Applied> applied = new java.util.HashMap<>();
  private static final long KEEP_APPLIED_MS = 10 * 60_000;
  private int appliedSincePrune;

  private record Applied(JsonObject result, long keepUntilMs) {
  }
  private final boolean blackholed;

  private NetSocket socket;
  /** The connection being replaced after a {@code reconnect} request: it keeps answering until closed. */
  private NetSocket retiring;
  private long heartbeatTimer = -1;
  private long heartbeatMs;
  /** When the current connection last delivered a line from parkgate (any kind), System.nanoTime. */
  private long lastHeardNanos;
  private long livenessTimer = -1;
  /** The connection this gate closed because parkgate was silent, until its close completes. */
  private NetSocket closedForSilence;
  private long nextId = 1;
  private long backoffMs = BACKOFF_MIN_MS;
  private boolean online;
  private boolean dark;
  private boolean stopped;

  SimulatedController(Vertx vertx, NetClient client, SimulatorOptions options, String parkId, SimulatorStats stats) {
    this.vertx = vertx;
    this.client = client;
    this.options = options;
    this.parkId = parkId;
    this.stats = stats;
    this.blackholed = options.blackhole().contains(parkId);
    this.events = new EventReporter(vertx, parkId, stats);
    if (!options.legacy() && options.eventsPerSecond() > 0) {
      // each gate its share of the rate, on a tick of at least 10 ms, carrying the fractions over
      double perGate = options.eventsPerSecond() / Math.max(1, options.controllers());
      long tickMs = Math.max(10, (long) (1000 / perGate));
      double perTick = perGate * tickMs / 1000.0;
      double[] carry = {ThreadLocalRandom.current().nextDouble()};
      eventTimer = vertx.setPeriodic(tickMs, t -> {
        carry[0] += perTick;
        int due = (int) carry[0];
        carry[0] -= due;
        if (due > 0 && !dark) {
          events.happen(due);
        }
      });
    }
    if (!options.legacy() && options.eventBacklog() > 0 && parkId.equals(options.parkId(1))) {
      if (options.eventBacklogAfterS() == 0) {
        events.happen(options.eventBacklog());
      } else {
        vertx.setTimer(options.eventBacklogAfterS() * 1000, t -> events.happen(options.eventBacklog()));
      }
    }
  }

  /** This gate's events (event.report), kept until parkgate has stored them. */
  private final EventReporter events;
  private long eventTimer = -1;

  void connect() {
    if (stopped || dark) {
      return;
    }
    client.connect(options.port(), options.host()).onComplete(ar -> {
      if (ar.failed()) {
        LOG.debug("{}: connect failed: {}", parkId, ar.cause().getMessage());
        scheduleReconnect();
        return;
      }
      if (stopped) {
        ar.result().close();
        return;
      }
      attach(ar.result());
    });
  }

  private void attach(NetSocket s) {
    socket = s;
    RecordParser parser = RecordParser.newDelimited("\n", s).maxRecordSize(1 << 20);
    parser.handler(line -> handleLine(s, line));
    parser.exceptionHandler(e -> s.close());
    s.exceptionHandler(e -> LOG.debug("{}: socket error {}", parkId, e.toString()));
    s.closeHandler(v -> handleClosed(s));
    if (options.legacy()) {
      s.write(parkId + "\n");
      online(LEGACY_HEARTBEAT_MS);
      return;
    }
    s.write(JsonRpcCodec.encode(new RpcRequest(HELLO_ID, ControllerMethods.HELLO,
        new JsonObject().put("parkId", parkId).put("token", options.token(parkId)))));
  }

  /** The legacy protocol: answer {@code get_amount} with the amount, nothing else. */
  private void handleLegacyLine(NetSocket s, Buffer line) {
    if ("get_amount".equals(line.toString().trim())) {
      later(() -> {
        if (!dark) {
          stats.answered.incrementAndGet();
          s.write(options.amount() + "\n");
        }
      });
    }
  }

  private void handleLine(NetSocket s, Buffer line) {
    if (dark || (s != socket && s != retiring)) {
      return;
    }
    if (s == socket) {
      lastHeardNanos = System.nanoTime();
    }
    if (options.legacy()) {
      handleLegacyLine(s, line);
      return;
    }
    RpcMessage message;
    try {
      message = JsonRpcCodec.decode(line);
    } catch (ProtocolException e) {
      LOG.warn("{}: server sent an invalid line: {}", parkId, e.getMessage());
      return;
    }
    if (message instanceof RpcResponse response) {
      if (s == socket && events.answered(response)) {
        return;
      }
      if (Long.valueOf(HELLO_ID).equals(response.id()) && s == socket) {
        handleHelloAnswer(response);
      }
      return;
    }
    RpcRequest request = (RpcRequest) message;
    switch (request.method()) {
      case ControllerMethods.RECONNECT -> handleReconnectRequest(s);
      case ControllerMethods.PING -> answer(s, request, new JsonObject());
      case ControllerMethods.FEE_QUERY -> later(() -> {
        JsonObject fee = new JsonObject().put("amount", options.amount()).put("currency", "CNY")
            .put("enteredAt", Instant.now().minusSeconds(3600).toString());
        String plate = request.params().getString("plate");
        if (plate != null) {
          fee.put("plate", plate);
        }
        answer(s, request, fee);
      });
      case ControllerMethods.PAYMENT_NOTIFY -> later(() -> handlePayment(s, request));
      default -> s.write(JsonRpcCodec.encode(RpcResponse.failure(request.id(),
          new RpcError(RpcError.METHOD_NOT_FOUND, "unknown method " + request.method()))));
    }
  }

  /**
   * A payment: idempotent on paymentId (a repeat gets the same answer and never opens the barrier
   * again), refused once past its validUntil (as docs/protocol.md asks of a controller).
   */
  private void handlePayment(NetSocket s, RpcRequest request) {
    String paymentId = request.params().getString("paymentId");
    stats.notifications.computeIfAbsent(paymentId, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
    Applied earlier = applied.get(paymentId);
    if (earlier != null) {
      answer(s, request, earlier.result());
      return;
    }
    String validUntil = request.params().getString("validUntil");
    long validUntilMs = validUntil == null ? System.currentTimeMillis() : Instant.parse(validUntil).toEpochMilli();
    if (validUntil != null && System.currentTimeMillis() > validUntilMs) {
      s.write(JsonRpcCodec.encode(RpcResponse.failure(request.id(),
          new RpcError(RpcError.PAYMENT_EXPIRED, "payment " + paymentId + " is past its validUntil"))));
      return;
    }
    JsonObject result = new JsonObject().put("status", "opened");
    if (++appliedSincePrune >= 1_000) {
      appliedSincePrune = 0;
      long now = System.currentTimeMillis();
      applied.values().removeIf(a -> a.keepUntilMs() < now);
    }
    applied.put(paymentId, new Applied(result, validUntilMs + KEEP_APPLIED_MS));
    stats.openings.computeIfAbsent(paymentId, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
    answer(s, request, result);
  }

  /**
   * The server asks us to move (it is draining): connect again first, keep answering on the old
   * connection until the new one is online, then close the old one (make before break).
   */
  private void handleReconnectRequest(NetSocket s) {
    if (s != socket || stopped) {
      return;
    }
    LOG.debug("{}: server asked to reconnect", parkId);
    vertx.cancelTimer(heartbeatTimer);
    retiring = s;
    socket = null;
    if (online) {
      online = false;
      stats.connected.decrementAndGet();
    }
    stats.disconnects.incrementAndGet();
    backoffMs = BACKOFF_MIN_MS;
    scheduleReconnect();
  }

  private void handleHelloAnswer(RpcResponse response) {
    if (response.isError()) {
      LOG.warn("{}: hello refused: {}", parkId, response.error().message());
      if (response.error().code() == RpcError.PARK_BANNED && response.error().data() instanceof JsonObject data) {
        // banned for flapping: the next attempt waits at least until the ban lifts (protocol.md §9)
        backoffMs = Math.max(backoffMs, 2 * data.getLong("retryAfterMs", 0L));
      }
      socket.close();
      return;
    }
    if (retiring != null) {
      retiring.close();
      retiring = null;
    }
    JsonObject result = (JsonObject) response.result();
    online(result.getLong("heartbeatIntervalMs", 5000L));
    events.online(socket, result.getInteger("maxEventsInFlight", 1));
  }

  private void online(long heartbeatMs) {
    online = true;
    backoffMs = BACKOFF_MIN_MS;
    stats.connected.incrementAndGet();
    this.heartbeatMs = heartbeatMs;
    lastHeardNanos = System.nanoTime();
    heartbeatTimer = vertx.setPeriodic(heartbeatMs, t -> heartbeat());
    if (blackholed) {
      long afterMs = Math.max(0, options.blackholeAfterSec() * 1000);
      if (afterMs == 0) {
        goDark();
      } else {
        vertx.setTimer(afterMs, t -> goDark());
      }
    }
  }

  private void heartbeat() {
    if (!options.legacy()) {
      checkLiveness();
    }
    if (socket != null && !dark) {
      socket.write(options.legacy() ? LEGACY_PING
          : JsonRpcCodec.encode(new RpcRequest(nextId++, ControllerMethods.PING, new JsonObject())));
    }
  }

  /**
   * Controller-side liveness (protocol.md §5): parkgate answers every ping, so a connection that
   * delivered nothing for {@link #SILENT_HEARTBEATS} intervals has a frozen or cut-off node behind
   * it; close it and reconnect with the backoff. Checked on each tick; once the silence passes two
   * intervals a one-shot timer makes the close come at three intervals, not at the next tick.
   */
  private void checkLiveness() {
    if (socket == null || dark || !online || socket == closedForSilence) {
      return; // (a close already asked for completes asynchronously: count and close it once)
    }
    long limitMs = SILENT_HEARTBEATS * heartbeatMs;
    long silentMs = (System.nanoTime() - lastHeardNanos) / 1_000_000;
    if (silentMs >= limitMs) {
      LOG.info("{}: no frame from parkgate for {} ms ({} heartbeat intervals): closing, reconnecting",
          parkId, silentMs, SILENT_HEARTBEATS);
      stats.silentServerCloses.incrementAndGet();
      closedForSilence = socket;
      socket.close();
    } else if (silentMs > limitMs - heartbeatMs && livenessTimer == -1) {
      livenessTimer = vertx.setTimer(limitMs - silentMs, t -> {
        livenessTimer = -1;
        checkLiveness();
      });
    }
  }

  private void goDark() {
    if (dark || stopped) {
      return;
    }
    dark = true;
    vertx.cancelTimer(heartbeatTimer);
    LOG.info("{}: black-holed: silent from now on, connection left open", parkId);
  }

  private void later(Runnable action) {
    if (options.delayMs() <= 0) {
      action.run();
    } else {
      vertx.setTimer(options.delayMs(), t -> action.run());
    }
  }

  private void answer(NetSocket s, RpcRequest request, JsonObject result) {
    if (dark || request.isNotification()) {
      return;
    }
    stats.answered.incrementAndGet();
    s.write(JsonRpcCodec.encode(RpcResponse.success(request.id(), result)));
  }

  private void handleClosed(NetSocket s) {
    if (s == retiring) {
      retiring = null;
      return;
    }
    if (s != socket) {
      return;
    }
    socket = null;
    events.offline();
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(livenessTimer);
    livenessTimer = -1;
    if (online) {
      online = false;
      stats.connected.decrementAndGet();
    }
    if (!dark) {
      stats.disconnects.incrementAndGet();
      scheduleReconnect();
    }
  }

  private void scheduleReconnect() {
    if (stopped || dark) {
      return;
    }
    long delay = ThreadLocalRandom.current().nextLong(backoffMs / 2, backoffMs + 1);
    backoffMs = Math.min(BACKOFF_MAX_MS, backoffMs * 2);
    vertx.setTimer(delay, t -> connect());
  }

  void stop() {
    stopped = true;
    events.stop();
    vertx.cancelTimer(eventTimer);
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(livenessTimer);
    if (socket != null) {
      socket.close();
    }
    if (retiring != null) {
      retiring.close();
    }
  }
}
