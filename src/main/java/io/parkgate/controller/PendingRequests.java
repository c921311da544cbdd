package io.parkgate.controller;

import io.parkgate.bus.BusFailures;
import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.GatewayException;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The requests a session has taken for its controller and not yet seen answered, whatever the
 * protocol: one table, one set of failure paths. Each request gets an id that is never reused on
 * the connection, a deadline timer, and the bus message to answer ({@code null} for the session's
 * own probes, such as a ping after a timeout, which count as no one's request).
 *
 * <p>The table answers the bus message itself in the two cases every protocol shares: the deadline
 * passed ({@code GATE_TIMEOUT}, then {@code onTimeout} tells the session, which decides what a
 * timeout means for its protocol), and the connection closed ({@link #failAll}: {@code GATE_OFFLINE}
 * with {@code outcome: unknown}, since the controller may have acted on it). An answer for an id
 * the table no longer holds is a late (or bogus) answer: {@link #take} counts it and returns null.
 *
 * <p>Iteration order is the order requests were added (ids increase), which the legacy protocol
 * relies on to send one at a time. Touched only on the owning session's event loop.
 */
final class PendingRequests {

  /** Why the bus caller hears {@code GATE_TIMEOUT}: the one wording of it on the controller side. */
  static final String TIMEOUT_TEXT = "the gate did not answer in time";

  /**
   * One request waiting for its answer.
   *
   * @param id      unique on the connection, increasing
   * @param message the bus request to answer; null for the session's own probes
   * @param method  the controller method asked
   */
  record Request(long id, Message<JsonObject> message, String method, long timerId, long timeoutMs) {
    boolean isProbe() {
      return message == null;
    }
  }

  private final Vertx vertx;
  private final ControllerStats stats;
  private final Consumer<Request> onTimeout;
  private final Map<Long, Request> waiting = new LinkedHashMap<>();
  private long nextId = 1;
  private int requests;

  /** @param onTimeout runs after a request's deadline passed and its caller was answered GATE_TIMEOUT */
  PendingRequests(Vertx vertx, ControllerStats stats, Consumer<Request> onTimeout) {
    this.vertx = vertx;
    this.stats = stats;
    this.onTimeout = onTimeout;
  }

  /** Adds a request with its deadline and returns its id. */
  long add(Message<JsonObject> message, String method, long timeoutMs) {
    long id = nextId++;
    long timer = vertx.setTimer(timeoutMs, t -> expire(id));
    waiting.put(id, new Request(id, message, method, timer, timeoutMs));
    if (message != null) {
      requests++;
    }
    return id;
  }

  /**
   * Removes the request an answer is for and cancels its deadline; the caller answers it. Null
   * when the table no longer holds the id (it timed out, or never existed): counted as late.
   */
  Request take(long id) {
    Request r = remove(id);
    if (r == null) {
      lateAnswer();
    }
    return r;
  }

  /** Counts an answer nobody is waiting for (a protocol without ids calls this directly). */
  void lateAnswer() {
    stats.lateResponse();
  }

  /** Removes a request without answering it, or null; the caller answers it. */
  Request remove(long id) {
    Request r = waiting.remove(id);
    if (r != null) {
      vertx.cancelTimer(r.timerId());
      if (!r.isProbe()) {
        requests--;
      }
    }
    return r;
  }

  /** Whether the table still holds this id. */
  boolean contains(long id) {
    return waiting.containsKey(id);
  }

  /** Requests from callers waiting on the controller (probes not counted). */
  int requests() {
    return requests;
  }

  /** The connection closed: every caller hears {@code GATE_OFFLINE} at once (outcome unknown). */
  void failAll() {
    List<Request> all = new ArrayList<>(waiting.values());
    waiting.clear();
    requests = 0;
    for (Request r : all) {
      vertx.cancelTimer(r.timerId());
      if (!r.isProbe()) {
        BusFailures.fail(r.message(), new GatewayException(ErrorCode.GATE_OFFLINE,
            "the gate's connection closed before it answered", new JsonObject().put("outcome", "unknown")));
      }
    }
  }

  private void expire(long id) {
    Request r = waiting.remove(id);
    if (r == null) {
      return;
    }
    if (!r.isProbe()) {
      requests--;
      BusFailures.fail(r.message(), ErrorCode.GATE_TIMEOUT, TIMEOUT_TEXT);
    }
    onTimeout.accept(r);
  }
}
