package io.parkgate.cluster;

import com.hazelcast.config.IndexType;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.Predicates;
import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.payments.PaymentStore;
import io.parkgate.security.RecordSeal;
import io.parkgate.webhook.Delivery;
import io.parkgate.webhook.DeliveryState;
import io.parkgate.webhook.QueueRef;
import io.parkgate.webhook.WebhookOutbox;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The {@code cluster} webhook outbox: two Hazelcast maps with backups (one by default, two in the
 * Kubernetes grid config), so one node's death loses nothing queued; <b>a full cluster restart
 * loses the outbox</b> (the postgres store keeps it).
 *
 * <ul>
 *   <li>{@value #QUEUES_MAP_NAME}: queue key ({@code subscription~park}) → {@code {head, tail, pending}}.
 *   A queue's number is taken by an entry processor on it (no two writers get the same one), and
 *   the node owning this key's partition is the one that delivers the queue: it finds its queues
 *   with a local query ({@code localKeySet}).</li>
 *   <li>{@value #DELIVERIES_MAP_NAME}: delivery id → {@code {state, attempts, record}}, the record
 *   {@link RecordSeal sealed} (a stranger on the grid cannot make parkgate sign its text). Pending
 *   deliveries never expire; final ones live {@code webhooks.retentionS}.</li>
 * </ul>
 *
 * Numbering and writing are two steps: a writer that dies between them leaves a number without a
 * delivery, which the deliverer skips once it has been missing longer than any writer can take
 * ({@link io.parkgate.webhook.WebhookOutbox.Head#missingSeq}).
 */
public final class ClusterWebhookOutbox implements WebhookOutbox {

  public static final String QUEUES_MAP_NAME = "parkgate.webhook-queues";
  public static final String DELIVERIES_MAP_NAME = "parkgate.webhook-deliveries";
  /** Heads that turn out final (a deliverer died between marking and moving on) are passed this many times per read. */
  private static final int MAX_FINAL_HEADS = 16;

  private final Vertx vertx;
  private final IMap<String, HazelcastJsonValue> queues;
  private final IMap<String, HazelcastJsonValue> deliveries;
  private final ForgedRecords records;
  private final long retentionMs;
  private final long timeoutMs;

  private ClusterWebhookOutbox(Vertx vertx, HazelcastInstance hazelcast, RecordSeal seal, GatewayMetrics metrics,
      long retentionMs, long timeoutMs) {
    this.vertx = vertx;
    this.queues = hazelcast.getMap(QUEUES_MAP_NAME);
    this.deliveries = hazelcast.getMap(DELIVERIES_MAP_NAME);
    this.records = new ForgedRecords(DELIVERIES_MAP_NAME, seal, metrics);
    this.retentionMs = retentionMs;
    this.timeoutMs = timeoutMs;
  }

  /** Opens the outbox (adds the indexes, off the event loop). */
  public static Future<WebhookOutbox> start(Vertx vertx, HazelcastInstance hazelcast, RecordSeal seal,
      GatewayMetrics metrics, long retentionMs, long timeoutMs) {
    ClusterWebhookOutbox outbox = new ClusterWebhookOutbox(vertx, hazelcast, seal, metrics, retentionMs, timeoutMs);
    return vertx.executeBlocking(() -> {
      outbox.deliveries.addIndex(IndexType.HASH, "state");
      outbox.queues.addIndex(IndexType.SORTED, "pending");
      return outbox;
    }, false);
  }

  @Override
  public Future<List<Delivery>> append(String parkId, String notificationId, String type, String body,
      List<String> subscriptions, long now) {
    List<Future<Delivery>> writes = new ArrayList<>();
    for (String subscription : subscriptions) {
      QueueRef queue = new QueueRef(subscription, parkId);
      writes.add(op("append", () -> queues.submitToKey(queue.key(), new Allocate()))
          .map(seq -> Delivery.queued(subscription, parkId, seq, notificationId, type, body, now))
          .compose(d -> op("append", () -> deliveries.setAsync(d.id(), encode(d))).map(d)));
    }
    return Future.all(writes).map(all -> all.<Delivery>list());
  }

  @Override
  public Future<Head> head(QueueRef queue) {
    return head(queue, MAX_FINAL_HEADS);
  }

  private Future<Head> head(QueueRef queue, int finalsLeft) {
    return op("read", () -> queues.getAsync(queue.key())).compose(value -> {
      if (value == null) {
        return Future.succeededFuture(Head.EMPTY);
      }
      JsonObject q = new JsonObject(value.getValue());
      long head = q.getLong("head", 1L);
      if (head > q.getLong("tail", 0L)) {
        return Future.succeededFuture(Head.EMPTY);
      }
      String id = Delivery.id(queue.subscription(), queue.parkId(), head);
      return op("read", () -> deliveries.getAsync(id)).compose(stored -> {
        Delivery d = decode(id, stored);
        if (d == null) {
          return Future.succeededFuture(new Head(null, head));
        }
        if (d.state().isFinal() && finalsLeft > 0) {
          return skip(queue, head).compose(v -> head(queue, finalsLeft - 1));
        }
        return Future.succeededFuture(new Head(d, 0));
      });
    });
  }

  @Override
  public Future<Boolean> update(Delivery current, Delivery next) {
    long ttl = next.state().isFinal() ? retentionMs : 0;
    return op("update", () -> deliveries.submitToKey(next.id(),
            new ReplaceIf(current.state().wire(), current.attempts(), encode(next), ttl)))
        .compose(written -> written && next.state().isFinal() && current.state() == DeliveryState.PENDING
            ? skip(next.queue(), next.seq()).map(true) : Future.succeededFuture(written));
  }

  @Override
  public Future<Void> skip(QueueRef queue, long seq) {
    return op("update", () -> queues.submitToKey(queue.key(), new Advance(seq))).mapEmpty();
  }

  @Override
  public Future<List<Work>> work(java.util.function.Predicate<QueueRef> owned) {
    return blocking("scan", () -> {
      Set<String> keys = queues.localKeySet(Predicates.greaterThan("pending", 0L));
      Map<String, HazelcastJsonValue> values = queues.getAll(keys);
      List<Work> out = new ArrayList<>();
      values.forEach((key, value) -> {
        QueueRef queue = QueueRef.ofKey(key);
        if (queue != null && owned.test(queue)) {
          out.add(new Work(queue, new JsonObject(value.getValue()).getLong("pending", 0L)));
        }
      });
      return out;
    });
  }

  @Override
  public Future<Page> list(DeliveryState state, String after, int limit) {
    Predicate<String, HazelcastJsonValue> inState = Predicates.equal("state", state.wire());
    Predicate<String, HazelcastJsonValue> query = after == null ? inState
        : Predicates.and(inState, Predicates.greaterThan("id", after));
    return blocking("query", () -> deliveries.values(query)).map(values -> {
      List<Delivery> found = new ArrayList<>();
      for (HazelcastJsonValue v : values) {
        String id = new JsonObject(v.getValue()).getString("id");
        Delivery d = decode(id, v);
        if (d != null && d.state() == state) {
          found.add(d);
        }
      }
      found.sort(Comparator.comparing(Delivery::id));
      boolean more = found.size() > limit;
      List<Delivery> page = more ? new ArrayList<>(found.subList(0, limit)) : found;
      return new Page(page, more ? page.get(page.size() - 1).id() : null);
    });
  }

  @Override
  public Future<Delivery> get(String id) {
    return op("read", () -> deliveries.getAsync(id)).map(v -> decode(id, v));
  }

  @Override
  public Future<Delivery> resend(String id, long now) {
    return get(id).compose(dead -> {
      if (dead == null) {
        return Future.succeededFuture(null);
      }
      if (dead.state() != DeliveryState.FAILED) {
        return Future.failedFuture(new NotResendable(dead));
      }
      // the copy first: a failure after it leaves a dead letter that can be re-sent again, never none
      return append(dead.parkId(), dead.notificationId(), dead.type(), dead.body(), List.of(dead.subscription()), now)
          .compose(copies -> update(dead, dead.resent(now)).map(copies.get(0)));
    });
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  private HazelcastJsonValue encode(Delivery d) {
    return new HazelcastJsonValue(new JsonObject().put("id", d.id()).put("state", d.state().wire())
        .put("attempts", d.attempts()).put("record", records.seal(d.id(), d.toJson().encode())).encode());
  }

  /** The delivery, or null when absent or (counted and logged) not sealed by this cluster. */
  private Delivery decode(String id, HazelcastJsonValue value) {
    if (value == null || id == null) {
      return null;
    }
    JsonObject outer;
    try {
      outer = new JsonObject(value.getValue());
    } catch (RuntimeException e) {
      records.open(id, "unreadable");
      return null;
    }
    String json = records.open(id, outer.getString("record", ""));
    if (json == null) {
      return null;
    }
    Delivery d = Delivery.fromJson(new JsonObject(json));
    return id.equals(d.id()) && d.state().wire().equals(outer.getString("state")) ? d : null;
  }

  private <T> Future<T> op(String what, Supplier<? extends CompletionStage<T>> start) {
    return HazelcastFutures.onCaller(vertx, start)
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(PaymentStore.unavailable("webhook outbox " + what, e)));
  }

  private <T> Future<T> blocking(String what, java.util.concurrent.Callable<T> work) {
    return vertx.executeBlocking(work, false)
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(PaymentStore.unavailable("webhook outbox " + what, e)));
  }

  private static JsonObject queueOf(Map.Entry<String, HazelcastJsonValue> entry) {
    return entry.getValue() == null ? new JsonObject().put("head", 1L).put("tail", 0L).put("pending", 0L)
        : new JsonObject(entry.getValue().getValue());
  }

  /** Takes the queue's next number (tail + 1) and counts it pending. */
  static final class Allocate implements EntryProcessor<String, HazelcastJsonValue, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Long process(Map.Entry<String, HazelcastJsonValue> entry) {
      JsonObject q = queueOf(entry);
      long seq = q.getLong("tail") + 1;
      q.put("tail", seq).put("pending", q.getLong("pending") + 1);
      entry.setValue(new HazelcastJsonValue(q.encode()));
      return seq;
    }
  }

  /** Moves the head past {@code seq} if it is still there (the queue goes on to the next delivery). */
  static final class Advance implements EntryProcessor<String, HazelcastJsonValue, Boolean> {
    private static final long serialVersionUID = 1L;
    private final long seq;

    Advance(long seq) {
      this.seq = seq;
    }

    @Override
    public Boolean process(Map.Entry<String, HazelcastJsonValue> entry) {
      if (entry.getValue() == null) {
        return false;
      }
      JsonObject q = queueOf(entry);
      if (q.getLong("head") != seq) {
        return false;
      }
      q.put("head", seq + 1).put("pending", Math.max(0, q.getLong("pending") - 1));
      entry.setValue(new HazelcastJsonValue(q.encode()));
      return true;
    }
  }

  /** Writes the delivery only if it is still in {@code state} after {@code attempts} attempts. */
  static final class ReplaceIf implements EntryProcessor<String, HazelcastJsonValue, Boolean> {
    private static final long serialVersionUID = 1L;
    private final String state;
    private final int attempts;
    private final String value;
    private final long ttlMs;

    ReplaceIf(String state, int attempts, HazelcastJsonValue value, long ttlMs) {
      this.state = state;
      this.attempts = attempts;
      this.value = value.getValue();
      this.ttlMs = ttlMs;
    }

    @Override
    public Boolean process(Map.Entry<String, HazelcastJsonValue> entry) {
      if (entry.getValue() == null) {
        return false;
      }
      JsonObject current = new JsonObject(entry.getValue().getValue());
      if (!state.equals(current.getString("state")) || current.getInteger("attempts", -1) != attempts) {
        return false;
      }
      if (ttlMs > 0) {
        ((ExtendedMapEntry<String, HazelcastJsonValue>) entry).setValue(new HazelcastJsonValue(value), ttlMs,
            TimeUnit.MILLISECONDS);
      } else {
        entry.setValue(new HazelcastJsonValue(value));
      }
      return true;
    }
  }
}
