package io.parkgate.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.security.RecordSeal;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Payments seen by the cluster, by paymentId, in the Hazelcast map {@code parkgate.payments} (one
 * backup, so a node's death loses nothing). A payment is first <i>pending</i> (claimed by the
 * request that sends it to the gate; expires on its own if that node dies), then <i>done</i> with
 * the definite answer, kept for the retention time so a retry gets the same answer. An answer that
 * is not definite (timeout, connection lost, never delivered) releases the claim so a retry with
 * the same paymentId sends it again; the controller also receives the paymentId to dedupe.
 *
 * <p>Records are {@link RecordSeal sealed} with the cluster secret: a record written or altered by
 * anything without it is never replayed or joined; a claim overwrites it instead (so a forged
 * "done" record makes the payment go to the gate, which dedupes on paymentId). Deleting records
 * stays possible for whoever reaches Hazelcast (see docs/security.md).
 */
public final class PaymentLedger {

  public static final String MAP_NAME = "parkgate.payments";
  static final String PENDING = "pending";
  static final String DONE = "done";

  /** What the cluster knew when a request claimed a paymentId. */
  public record Claim(boolean mine, JsonObject existing) {
  }

  private final Vertx vertx;
  private final IMap<String, String> map;
  private final long retentionMs;
  private final ForgedRecords records;

  public PaymentLedger(Vertx vertx, HazelcastInstance hazelcast, long retentionMs, RecordSeal seal,
      GatewayMetrics metrics) {
    this.vertx = vertx;
    this.map = hazelcast.getMap(MAP_NAME);
    this.retentionMs = retentionMs;
    this.records = new ForgedRecords(MAP_NAME, seal, metrics);
  }

  /**
   * Claims a paymentId for this request unless the cluster already knows it.
   *
   * @param record    {parkId, amount, owner}
   * @param pendingMs how long the claim lives if this node never finishes it
   */
  public Future<Claim> claim(String paymentId, JsonObject record, long pendingMs) {
    return claim(paymentId, record, pendingMs, 2);
  }

  private Future<Claim> claim(String paymentId, JsonObject record, long pendingMs, int attempts) {
    String sealed = records.seal(paymentId, record.copy().put("state", PENDING).encode());
    return HazelcastFutures.onCaller(vertx, () -> map.submitToKey(paymentId, new ClaimProcessor(sealed, pendingMs)))
        .compose(previous -> {
          if (previous == null) {
            return Future.succeededFuture(new Claim(true, null));
          }
          String json = records.open(paymentId, previous);
          if (json != null) {
            return Future.succeededFuture(new Claim(false, new JsonObject(json)));
          }
          // a record nobody with the secret wrote: take its place, unless it changed since
          return HazelcastFutures.onCaller(vertx, () -> map.submitToKey(paymentId,
                  new DirectoryProcessors.ReplaceIfSame(previous, sealed, pendingMs)))
              .compose(replaced -> replaced ? Future.succeededFuture(new Claim(true, null))
                  : attempts > 1 ? claim(paymentId, record, pendingMs, attempts - 1)
                  : Future.failedFuture(new IllegalStateException("payment record " + paymentId
                      + " keeps changing without a valid seal")));
        });
  }

  /** Stores the definite answer ({status, body}) for the retention time. */
  public Future<Void> complete(String paymentId, JsonObject record, int status, JsonObject body) {
    String sealed = records.seal(paymentId,
        record.copy().put("state", DONE).put("status", status).put("body", body).encode());
    return HazelcastFutures.onCaller(vertx, () -> map.setAsync(paymentId, sealed, retentionMs, TimeUnit.MILLISECONDS));
  }

  /** Drops this request's claim (only if still pending and still its own) so a retry sends again. */
  public Future<Boolean> release(String paymentId, String owner) {
    return HazelcastFutures.onCaller(vertx, () -> map.submitToKey(paymentId, new ReleaseProcessor(owner)));
  }

  /**
   * Waits for a payment claimed by another request to be answered, polling until {@code deadline}
   * (System.nanoTime()). Completes with the done record, or null when the claim was released or
   * the time ran out.
   */
  public Future<JsonObject> awaitDone(String paymentId, long deadlineNanos) {
    Promise<JsonObject> result = Promise.promise();
    poll(paymentId, deadlineNanos, result);
    return result.future();
  }

  private void poll(String paymentId, long deadlineNanos, Promise<JsonObject> result) {
    HazelcastFutures.onCaller(vertx, () -> map.getAsync(paymentId)).onComplete(ar -> {
      String json = ar.succeeded() ? records.open(paymentId, ar.result()) : null;
      JsonObject record = json == null ? null : new JsonObject(json);
      if (record != null && isDone(record)) {
        result.complete(record);
      } else if (record == null || System.nanoTime() >= deadlineNanos) {
        result.complete(null);
      } else {
        long waitMs = Math.max(1, Math.min(50, (deadlineNanos - System.nanoTime()) / 1_000_000));
        vertx.setTimer(waitMs, t -> poll(paymentId, deadlineNanos, result));
      }
    });
  }

  /** Whether a payment record holds a definite answer (as opposed to a claim in flight). */
  public static boolean isDone(JsonObject record) {
    return DONE.equals(record.getString("state"));
  }

  /** Installs a pending record unless one exists; returns the existing one's JSON or null. */
  static final class ClaimProcessor implements EntryProcessor<String, String, String> {
    private static final long serialVersionUID = 1L;
    private final String json;
    private final long ttlMs;

    ClaimProcessor(String json, long ttlMs) {
      this.json = json;
      this.ttlMs = ttlMs;
    }

    @Override
    public String process(Map.Entry<String, String> entry) {
      if (entry.getValue() != null) {
        return entry.getValue();
      }
      ((ExtendedMapEntry<String, String>) entry).setValue(json, ttlMs, TimeUnit.MILLISECONDS);
      return null;
    }
  }

  /** Removes a pending record if its owner is still the given request. */
  static final class ReleaseProcessor implements EntryProcessor<String, String, Boolean> {
    private static final long serialVersionUID = 1L;
    private final String owner;

    ReleaseProcessor(String owner) {
      this.owner = owner;
    }

    @Override
    public Boolean process(Map.Entry<String, String> entry) {
      String json = RecordSeal.body(entry.getValue());
      if (json == null) {
        return false;
      }
      JsonObject record = new JsonObject(json);
      if (PENDING.equals(record.getString("state")) && owner.equals(record.getString("owner"))) {
        entry.setValue(null);
        return true;
      }
      return false;
    }
  }
}
