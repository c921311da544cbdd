package io.parkgate.sim;

import io.parkgate.protocol.ControllerMethods;
import io.parkgate.protocol.JsonRpcCodec;
import io.parkgate.protocol.RpcError;
import io.parkgate.protocol.RpcRequest;
import io.parkgate.protocol.RpcResponse;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One simulated gate's events (docs/protocol.md §6.4), as a real gate keeps them: every event is
 * held until parkgate answers it stored, at most {@code maxEventsInFlight} are unanswered at once,
 * and what a closed connection left unanswered is sent again, first and in order, on the next.
 * Runs on its gate's event loop.
 */
final class EventReporter {

  /** Ids of event.report requests start with this, so answers are told from the gate's pings. */
  static final String ID_PREFIX = "ev-";
  private static final long RETRY_MS = 200;

  private final Vertx vertx;
  private final String parkId;
  private final SimulatorStats stats;
  /** Not sent yet (or sent and not stored: to send again), oldest first. */
  private final ArrayDeque<JsonObject> waiting = new ArrayDeque<>();
  /** Sent on the current connection and not answered, by request id, in the order sent. */
  private final Map<String, Sent> unanswered = new LinkedHashMap<>();
  private NetSocket socket;
  private int maxInFlight = 1;
  private long serial;
  private long nextRequest;
  private long retryTimer = -1;

  private record Sent(JsonObject params, long sentAtNanos) {
  }

  EventReporter(Vertx vertx, String parkId, SimulatorStats stats) {
    this.vertx = vertx;
    this.parkId = parkId;
    this.stats = stats;
  }

  /** Queues {@code count} vehicle entries and exits happening now. */
  void happen(int count) {
    for (int i = 0; i < count; i++) {
      long n = ++serial;
      boolean entry = n % 2 == 1;
      JsonObject params = new JsonObject().put("eventId", parkId + "-" + n)
          .put("type", entry ? "vehicle.entered" : "vehicle.exited").put("at", Instant.now().toString())
          .put("lane", entry ? "in-1" : "out-1").put("plate", "SIM-" + ((n + 1) / 2));
      waiting.add(params);
    }
    stats.eventsWaiting.addAndGet(count);
    pump();
  }

  /** The gate is online on {@code s}; parkgate takes {@code maxInFlight} unanswered reports. */
  void online(NetSocket s, int maxInFlight) {
    this.socket = s;
    this.maxInFlight = Math.max(1, maxInFlight);
    pump();
  }

  /** The connection closed: what it left unanswered is sent again first, in order, on the next. */
  void offline() {
    socket = null;
    ArrayDeque<JsonObject> again = new ArrayDeque<>();
    unanswered.values().forEach(sent -> again.add(sent.params()));
    unanswered.clear();
    while (!again.isEmpty()) {
      waiting.addFirst(again.pollLast());
    }
  }

  /** Whether this is the answer to one of our reports (then it was handled). */
  boolean answered(RpcResponse response) {
    if (!(response.id() instanceof String id) || !id.startsWith(ID_PREFIX)) {
      return false;
    }
    Sent sent = unanswered.remove(id);
    if (sent == null) {
      return true;
    }
    if (!response.isError()) {
      stats.eventsStored.incrementAndGet();
      stats.eventsWaiting.decrementAndGet();
      stats.recordEventAck(System.nanoTime() - sent.sentAtNanos());
    } else if (response.error().code() == RpcError.INVALID_PARAMS) {
      stats.eventsInvalid.incrementAndGet(); // never stored as it is: a real gate would log it
      stats.eventsWaiting.decrementAndGet();
    } else {
      // -32011 (too many unanswered) or -32012 (not stored): keep it, send it again shortly, in order
      stats.eventsRefused.incrementAndGet();
      requeueInOrder(sent.params());
      if (retryTimer == -1) {
        retryTimer = vertx.setTimer(RETRY_MS, t -> {
          retryTimer = -1;
          pump();
        });
      }
      return true;
    }
    pump();
    return true;
  }

  private void requeueInOrder(JsonObject params) {
    // ahead of everything not sent yet; behind nothing, since what is still unanswered is older
    waiting.addFirst(params);
  }

  private void pump() {
    if (retryTimer != -1) {
      return;
    }
    while (socket != null && unanswered.size() < maxInFlight && !waiting.isEmpty()) {
      JsonObject params = waiting.poll();
      String id = ID_PREFIX + (++nextRequest);
      unanswered.put(id, new Sent(params, System.nanoTime()));
      socket.write(JsonRpcCodec.encode(new RpcRequest(id, ControllerMethods.EVENT_REPORT, params)));
    }
  }

  void stop() {
    if (retryTimer != -1) {
      vertx.cancelTimer(retryTimer);
      retryTimer = -1;
    }
  }
}
