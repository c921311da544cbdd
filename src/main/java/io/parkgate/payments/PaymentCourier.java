package io.parkgate.payments;

import io.parkgate.bus.Addresses;
import io.parkgate.bus.BusFailures;
import io.parkgate.bus.ControllerCall;
import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.GatewayException;
import io.parkgate.bus.ParkEntry;
import io.parkgate.bus.SessionEvents;
import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.metrics.LogLimit;
import io.parkgate.protocol.ControllerMethods;
import io.parkgate.protocol.RpcError;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers payments to the gates whose sessions this node holds: at least once, in acceptance
 * order per park, never after {@code validUntil}. One per node, on its own event loop.
 *
 * <p>A park's <i>run</i> loads its pending payments from the store and sends them one at a time to
 * the park's session (the park's address, aimed at the session's epoch, so a superseded session
 * can never take it). A run starts when a session of the park comes online here
 * ({@link SessionEvents#online}) and when the node that accepted a payment asks for it at once
 * ({@link Addresses#courier}); a run that ended with attempts unanswered runs again on the same
 * session after a backoff (1 s doubling to 30 s); a session that went away ends it (the next
 * session's hello starts a new one, on whichever node). Every {@link #SWEEP_MS} the courier also
 * asks the store which parks have pending payments and starts a run for those whose session this
 * node holds and that have none: what no hello or POST set off is delivered all the same (a payment
 * accepted on the other side of a network split, healed since, for a controller that never
 * reconnected; a node that died between accepting a payment and asking for its delivery).
 *
 * <p>Each attempt first takes the payment in the store ({@link Payment#sent}: compare-and-set with
 * the epoch fence), then writes it; the answer confirms or rejects it, no answer leaves it
 * {@code sent} for the next attempt, and a refusal before writing undoes the take
 * ({@link Payment#notWritten}). The gate dedupes on {@code paymentId}, so a second write after a
 * lost answer opens the barrier at most once.
 */
public final class PaymentCourier extends VerticleBase implements SessionEvents {

  private static final Logger LOG = LoggerFactory.getLogger(PaymentCourier.class);
  static final long FIRST_RETRY_MS = 1_000;
  static final long MAX_RETRY_MS = 30_000;
  /** An attempt's hold on a payment outlasts its answer deadline by this much (a node that died mid-attempt). */
  static final long LEASE_SLACK_MS = 5_000;

  /** One park's delivery state on this node. */
  private static final class Run {
    long epoch;
    boolean running;
    boolean again;
    long retryTimer = -1;
    long backoffMs = FIRST_RETRY_MS;
  }

  /** How one attempt ended. */
  private enum Outcome { DONE, UNANSWERED, SESSION_GONE }

  /** How often the courier checks that the store answers (the store-up gauge). */
  static final long STORE_CHECK_MS = 5_000;
  /** How often the courier looks for pending payments of its parks that no run is delivering. */
  static final long SWEEP_MS = 10_000;

  private final PaymentStore store;
  private final GatewayMetrics metrics;
  private final String nodeId;
  private final long attemptTimeoutMs;
  /** The node's view of the directory: which node and session hold a park. */
  private final Function<String, ParkEntry> directory;
  private final LogLimit sweepFinds = new LogLimit(60, java.util.concurrent.TimeUnit.SECONDS);
  private boolean sweeping;
  private final Map<String, Run> runs = new HashMap<>();
  private final LogLimit runFailures = new LogLimit(10, java.util.concurrent.TimeUnit.SECONDS);
  /** Bus requests waiting for a payment's next outcome, by paymentId. */
  private final Map<String, List<Message<JsonObject>>> waiters = new HashMap<>();
  private MessageConsumer<JsonObject> consumer;

  public PaymentCourier(PaymentStore store, GatewayMetrics metrics, String nodeId, long attemptTimeoutMs,
      Function<String, ParkEntry> directory) {
    this.directory = directory;
    this.store = store;
    this.metrics = metrics;
    this.nodeId = nodeId;
    this.attemptTimeoutMs = attemptTimeoutMs;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().consumer(Addresses.courier(nodeId), this::handleDeliver);
    checkStore();
    vertx.setPeriodic(STORE_CHECK_MS, t -> checkStore());
    vertx.setPeriodic(SWEEP_MS, t -> sweep());
    return consumer.completion();
  }

  private void checkStore() {
    store.ping().onComplete(ar -> metrics.paymentStoreUp(ar.succeeded()));
  }

  /** Starts a run for each park held here that has pending payments and no run (see the class comment). */
  void sweep() {
    if (io.vertx.core.Vertx.currentContext() != context) {
      context.runOnContext(v -> sweep());
      return;
    }
    if (sweeping) {
      return;
    }
    sweeping = true;
    store.parksWithPending().onComplete(ar -> {
      sweeping = false;
      if (ar.failed()) {
        return; // the store-up gauge and the runs' own failures report an outage
      }
      for (String parkId : ar.result()) {
        ParkEntry entry = directory.apply(parkId);
        if (entry != null && nodeId.equals(entry.nodeId()) && !runs.containsKey(parkId)) {
          // most find nothing: a park's hint outlives its payments until a run's query clears it
          start(parkId, entry.epoch(), true);
        }
      }
    });
  }

  /** A run the sweep started found payments to deliver: nothing else had set it off. */
  private void sweptUp(String parkId, int pending) {
    long lines = sweepFinds.permit();
    if (lines > 0) {
      LOG.info("payment sweep: park {} had {} pending payments no hello or POST had set off for delivery ({} such"
          + " parks since the last line)", parkId, pending, lines);
    }
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister();
  }

  /** The body of a "deliver now" request: the payment, its park and the session the sender saw. */
  public static JsonObject deliverRequest(String paymentId, String parkId, long epoch) {
    return new JsonObject().put("paymentId", paymentId).put("parkId", parkId).put("epoch", epoch);
  }

  @Override
  public void online(String parkId, long epoch) {
    context.runOnContext(v -> start(parkId, epoch, false));
  }

  /** Answers with the payment's record once its next attempt has ended (or at once if none is due). */
  private void handleDeliver(Message<JsonObject> message) {
    String paymentId = message.body().getString("paymentId");
    String parkId = message.body().getString("parkId");
    waiters.computeIfAbsent(paymentId, k -> new ArrayList<>()).add(message);
    start(parkId, message.body().getLong("epoch", 0L), false);
  }

  private void start(String parkId, long epoch, boolean swept) {
    Run run = runs.computeIfAbsent(parkId, k -> new Run());
    if (epoch > run.epoch) {
      run.epoch = epoch;
      run.backoffMs = FIRST_RETRY_MS;
    }
    if (run.retryTimer != -1) {
      vertx.cancelTimer(run.retryTimer);
      run.retryTimer = -1;
    }
    if (run.running) {
      run.again = true;
      return;
    }
    run.running = true;
    run.again = false;
    long epochOfRun = run.epoch;
    store.pending(parkId)
        .onComplete(ar -> {
          LOG.debug("park {}: pending {}", parkId, ar.succeeded() ? ar.result().size() : ar.cause());
          if (swept && ar.succeeded() && !ar.result().isEmpty()) {
            sweptUp(parkId, ar.result().size());
          }
        })
        .compose(pending -> deliverInOrder(pending, 0, epochOfRun, false))
        .onComplete(ar -> finished(parkId, run, epochOfRun, ar.succeeded() ? ar.result() : Outcome.UNANSWERED, ar.cause()));
  }

  private void finished(String parkId, Run run, long epochOfRun, Outcome outcome, Throwable failure) {
    run.running = false;
    long failures = failure == null ? 0 : runFailures.permit();
    if (failures > 0) {
      // a store outage fails every park's run at once: one line per interval, with the count
      LOG.warn("payment delivery runs failed: {} since the last such line; last: park {}: {}", failures, parkId,
          failure.getMessage());
    }
    if (run.again) {
      start(parkId, run.epoch, false);
    } else if (outcome == Outcome.UNANSWERED && run.epoch == epochOfRun) {
      long delay = run.backoffMs;
      run.backoffMs = Math.min(MAX_RETRY_MS, run.backoffMs * 2);
      run.retryTimer = vertx.setTimer(delay, t -> {
        run.retryTimer = -1;
        start(parkId, run.epoch, false);
      });
    } else {
      runs.remove(parkId, run);
    }
    if (!run.running) {
      // nothing more will run for these payments now: whoever waits hears their current state
      // (when another run has just started, its attempts answer them)
      answerWaitersOfPark(parkId);
    }
  }

  /**
   * Sends the park's pending payments one after the other. Completes with UNANSWERED if any attempt
   * got no answer (a retry is due), SESSION_GONE if the session went away (the rest wait for the
   * next one), else DONE.
   */
  private Future<Outcome> deliverInOrder(List<Payment> pending, int index, long epoch, boolean unanswered) {
    if (index >= pending.size()) {
      return Future.succeededFuture(unanswered ? Outcome.UNANSWERED : Outcome.DONE);
    }
    return deliver(pending.get(index).paymentId(), epoch).compose(outcome -> {
      answerWaiters(pending.get(index).paymentId());
      return outcome == Outcome.SESSION_GONE ? Future.succeededFuture(outcome)
          : deliverInOrder(pending, index + 1, epoch, unanswered || outcome == Outcome.UNANSWERED);
    });
  }

  /** One attempt for one payment, if it is due: take it, write it, record how it ended. */
  private Future<Outcome> deliver(String paymentId, long epoch) {
    long now = System.currentTimeMillis();
    long leaseUntil = now + attemptTimeoutMs + LEASE_SLACK_MS;
    return update(paymentId, p -> {
      if (p.state().isFinal()) {
        return null;
      }
      if (now >= p.validUntil()) {
        return p.leaseUntil() <= now ? p.expired(now, nodeId) : null;
      }
      return p.mayAttempt(epoch, now) ? p.sent(epoch, leaseUntil, now, nodeId) : null;
    }).compose(taken -> {
      LOG.debug("payment {}: taken {} epoch {} lease {} (ours {}) run epoch {}", paymentId,
          taken == null ? null : taken.state(), taken == null ? 0 : taken.epoch(), taken == null ? 0 : taken.leaseUntil(),
          leaseUntil, epoch);
      if (taken != null && !taken.state().isFinal() && taken.leaseUntil() != leaseUntil && epoch >= taken.epoch()
          && now < taken.validUntil()) {
        // leased by an attempt of this session or an older one, which may never end: its node
        // froze, or its own store write timed out after landing (bench/faults, sigstop). Look
        // again later: once the lease is over this run takes it.
        return Future.succeededFuture(Outcome.UNANSWERED);
      }
      if (taken == null || taken.state() != PaymentState.SENT || taken.leaseUntil() != leaseUntil) {
        return Future.succeededFuture(Outcome.DONE); // final, expired, or a newer session holds it
      }
      ControllerCall call = ControllerCall.call(taken.parkId(), ControllerMethods.PAYMENT_NOTIFY, taken.notifyParams(),
          attemptTimeoutMs).aimedAt(epoch, attemptTimeoutMs);
      return vertx.eventBus().<JsonObject>request(Addresses.park(taken.parkId()), call.toJson(),
              new DeliveryOptions().setSendTimeout(attemptTimeoutMs + LEASE_SLACK_MS / 5))
          .map(reply -> (Object) reply.body())
          .otherwise(failure -> BusFailures.toGatewayException(failure, ErrorCode.GATE_OFFLINE))
          .compose(answer -> record(taken, answer));
    });
  }

  private Future<Outcome> record(Payment taken, Object answer) {
    long now = System.currentTimeMillis();
    LOG.debug("payment {}: attempt {} answered {}", taken.paymentId(), taken.attempts(), String.valueOf(answer));
    if (answer instanceof JsonObject result) {
      metrics.paymentAttempt("confirmed");
      return writeOutcome(taken, taken.answered(PaymentState.CONFIRMED, result, now, nodeId), Outcome.DONE);
    }
    GatewayException e = (GatewayException) answer;
    JsonObject details = e.details() == null ? new JsonObject() : e.details();
    if (e.code() == ErrorCode.NOT_SUPPORTED && !details.containsKey("gateCode")) {
      // refused by the node before writing: the park's controller cannot take payments (legacy)
      JsonObject error = new JsonObject().put("gateCode", RpcError.METHOD_NOT_FOUND).put("gateMessage", e.getMessage());
      metrics.paymentAttempt("rejected");
      Payment before = taken.notWritten(currentBefore(taken), e.code().name(), now, nodeId);
      return writeOutcome(taken, before.answered(PaymentState.REJECTED, error, now, nodeId), Outcome.DONE);
    }
    if (e.code() == ErrorCode.GATE_ERROR && details.containsKey("gateCode") || e.code() == ErrorCode.NOT_SUPPORTED) {
      JsonObject error = new JsonObject().put("gateCode", details.getInteger("gateCode", -32601))
          .put("gateMessage", details.getString("gateMessage", e.getMessage()));
      metrics.paymentAttempt(error.getInteger("gateCode") == RpcError.PAYMENT_EXPIRED ? "expired" : "rejected");
      if (error.getInteger("gateCode") == RpcError.PAYMENT_EXPIRED) {
        // the gate refused it as past its validUntil (clocks differ): nothing opened, it never will
        return writeOutcome(taken, taken.expired(now, nodeId), Outcome.DONE);
      }
      return writeOutcome(taken, taken.answered(PaymentState.REJECTED, error, now, nodeId), Outcome.DONE);
    }
    String why = e.code().name();
    boolean written = e.code() == ErrorCode.GATE_TIMEOUT || e.code() == ErrorCode.GATE_ERROR
        || (e.code() == ErrorCode.GATE_OFFLINE && "unknown".equals(details.getString("outcome")));
    metrics.paymentAttempt(written ? "unanswered" : "not_written");
    if (written) {
      return writeOutcome(taken, taken.attemptFailed(why, now, nodeId),
          e.code() == ErrorCode.GATE_OFFLINE ? Outcome.SESSION_GONE : Outcome.UNANSWERED);
    }
    Outcome next = e.code() == ErrorCode.GATE_UNRESPONSIVE || e.code() == ErrorCode.GATE_BUSY
        ? Outcome.UNANSWERED : Outcome.SESSION_GONE;
    return update(taken.paymentId(), p -> p.version() == taken.version() ? p.notWritten(currentBefore(taken), why, now,
        nodeId) : null).map(next);
  }

  /** What the payment was before {@link Payment#sent} made {@code taken}. */
  private static Payment currentBefore(Payment taken) {
    PaymentState before = taken.attempts() <= 1 ? PaymentState.ACCEPTED : PaymentState.SENT;
    return new Payment(taken.paymentId(), taken.parkId(), taken.amount(), taken.lane(), taken.plate(),
        taken.acceptedAt(), taken.validUntil(), before, taken.attempts() - 1, taken.epoch(), 0, null,
        taken.history(), taken.version());
  }

  /** Writes the attempt's outcome over the version it took (nothing else can have moved it meanwhile). */
  private Future<Outcome> writeOutcome(Payment taken, Payment next, Outcome outcome) {
    return store.replace(taken, next).map(written -> {
      if (!written) {
        LOG.warn("payment {}: the outcome of attempt {} could not be recorded: the record changed meanwhile",
            taken.paymentId(), taken.attempts());
      }
      return outcome;
    });
  }

  private Future<Payment> update(String paymentId, UnaryOperator<Payment> change) {
    return store.update(paymentId, change);
  }

  private void answerWaiters(String paymentId) {
    List<Message<JsonObject>> waiting = waiters.remove(paymentId);
    if (waiting == null) {
      return;
    }
    store.get(paymentId).onComplete(ar -> {
      Payment p = ar.succeeded() ? ar.result() : null;
      if (p != null && !p.state().isFinal() && p.leaseUntil() > System.currentTimeMillis()) {
        // an attempt is in flight (another run's, possibly on another node): its end is the
        // answer; wait for it, within the lease (the waiters' own bus timeouts bound them too)
        waiters.computeIfAbsent(paymentId, k -> new ArrayList<>()).addAll(waiting);
        long untilLeaseEnds = Math.max(1, p.leaseUntil() - System.currentTimeMillis());
        vertx.setTimer(untilLeaseEnds, t -> answerWaiters(paymentId));
        return;
      }
      for (Message<JsonObject> m : waiting) {
        if (p != null) {
          m.reply(p.toJson());
        } else {
          BusFailures.fail(m, ErrorCode.STORE_UNAVAILABLE, "the payment could not be read back");
        }
      }
    });
  }

  /** A run ended: whoever still waits on one of its park's payments hears its current state. */
  private void answerWaitersOfPark(String parkId) {
    for (String paymentId : new ArrayList<>(waiters.keySet())) {
      List<Message<JsonObject>> waiting = waiters.get(paymentId);
      if (waiting != null && !waiting.isEmpty() && parkId.equals(waiting.get(0).body().getString("parkId"))) {
        answerWaiters(paymentId);
      }
    }
  }
}
