package io.parkgate.webhook;

import io.parkgate.payments.PaymentStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code postgres} webhook outbox: one row per delivery in {@code parkgate_webhook_deliveries}
 * (db/payments/V4__webhooks.sql, applied with the payment store's migrations), in the payment
 * store's pool. A notification's rows for all its subscriptions are one {@code INSERT}, so they are
 * written all or none; the queue order is the row's {@code seq}. Survives a full cluster restart.
 * Final rows are deleted {@code webhooks.retentionS} after they ended, by every node once a minute.
 */
public final class PostgresWebhookOutbox implements WebhookOutbox {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresWebhookOutbox.class);
  private static final long CLEANUP_EVERY_MS = 60_000;
  private static final String COLUMNS = "seq, subscription, park_id, notification_id, type, body, state, attempts,"
      + " created_at, next_attempt_at, last_status, last_error, finished_at";

  private final Vertx vertx;
  private final Pool pool;
  private final long timeoutMs;
  private final long retentionMs;
  private final long cleanupTimer;

  public PostgresWebhookOutbox(Vertx vertx, Pool pool, long retentionMs, long timeoutMs) {
    this.vertx = vertx;
    this.pool = pool;
    this.timeoutMs = timeoutMs;
    this.retentionMs = retentionMs;
    this.cleanupTimer = vertx.setPeriodic(CLEANUP_EVERY_MS, t -> cleanup());
  }

  private void cleanup() {
    pool.preparedQuery("DELETE FROM parkgate_webhook_deliveries WHERE state <> 'pending' AND finished_at < $1")
        .execute(Tuple.of(System.currentTimeMillis() - retentionMs))
        .onSuccess(rows -> {
          if (rows.rowCount() > 0) {
            LOG.info("webhook outbox: deleted {} final deliveries past their retention", rows.rowCount());
          }
        })
        .onFailure(e -> LOG.debug("webhook outbox: retention cleanup failed: {}", e.getMessage()));
  }

  @Override
  public Future<List<Delivery>> append(String parkId, String notificationId, String type, String body,
      List<String> subscriptions, long now) {
    return bounded("append", pool.preparedQuery("INSERT INTO parkgate_webhook_deliveries"
            + " (subscription, park_id, notification_id, type, body, state, created_at, next_attempt_at)"
            + " SELECT s, $2, $3, $4, $5, 'pending', $6, $6 FROM unnest($1::text[]) WITH ORDINALITY AS t(s, n)"
            + " ORDER BY n RETURNING " + COLUMNS)
        .execute(Tuple.of(subscriptions.toArray(new String[0]), parkId, notificationId, type, body, now)))
        .map(PostgresWebhookOutbox::decodeAll);
  }

  @Override
  public Future<Head> head(QueueRef queue) {
    return bounded("read", pool.preparedQuery("SELECT " + COLUMNS + " FROM parkgate_webhook_deliveries"
            + " WHERE subscription = $1 AND park_id = $2 AND state = 'pending' ORDER BY seq LIMIT 1")
        .execute(Tuple.of(queue.subscription(), queue.parkId())))
        .map(rows -> rows.size() == 0 ? Head.EMPTY : new Head(decode(rows.iterator().next()), 0));
  }

  @Override
  public Future<Boolean> update(Delivery current, Delivery next) {
    return bounded("update", pool.preparedQuery("UPDATE parkgate_webhook_deliveries SET state = $1, attempts = $2,"
            + " next_attempt_at = $3, last_status = $4, last_error = $5, finished_at = $6"
            + " WHERE seq = $7 AND state = $8 AND attempts = $9")
        .execute(Tuple.from(new Object[] {next.state().wire(), next.attempts(), next.nextAttemptAt(), next.lastStatus(),
            next.lastError(), next.finishedAt(), current.seq(), current.state().wire(), current.attempts()})))
        .map(rows -> rows.rowCount() == 1);
  }

  @Override
  public Future<Void> skip(QueueRef queue, long missingSeq) {
    return Future.succeededFuture(); // rows are written whole: no numbers without a delivery
  }

  @Override
  public Future<List<Work>> work(Predicate<QueueRef> owned) {
    return bounded("scan", pool.query("SELECT subscription, park_id, count(*) FROM parkgate_webhook_deliveries"
            + " WHERE state = 'pending' GROUP BY subscription, park_id").execute())
        .map(rows -> {
          List<Work> out = new ArrayList<>();
          for (Row row : rows) {
            QueueRef queue = new QueueRef(row.getString(0), row.getString(1));
            if (owned.test(queue)) {
              out.add(new Work(queue, row.getLong(2)));
            }
          }
          return out;
        });
  }

  @Override
  public Future<Page> list(DeliveryState state, String after, int limit) {
    String[] parts = Delivery.parseId(after);
    long afterSeq = parts == null ? 0 : Long.parseLong(parts[2]);
    return bounded("query", pool.preparedQuery("SELECT " + COLUMNS + " FROM parkgate_webhook_deliveries"
            + " WHERE state = $1 AND seq > $2 ORDER BY seq LIMIT $3")
        .execute(Tuple.of(state.wire(), afterSeq, limit + 1)))
        .map(rows -> {
          List<Delivery> found = decodeAll(rows);
          boolean more = found.size() > limit;
          List<Delivery> page = more ? new ArrayList<>(found.subList(0, limit)) : found;
          return new Page(page, more ? page.get(page.size() - 1).id() : null);
        });
  }

  @Override
  public Future<Delivery> get(String id) {
    String[] parts = Delivery.parseId(id);
    if (parts == null) {
      return Future.succeededFuture(null);
    }
    return bounded("read", pool.preparedQuery("SELECT " + COLUMNS + " FROM parkgate_webhook_deliveries"
            + " WHERE seq = $1 AND subscription = $2 AND park_id = $3")
        .execute(Tuple.of(Long.parseLong(parts[2]), parts[0], parts[1])))
        .map(rows -> rows.size() == 0 ? null : decode(rows.iterator().next()));
  }

  @Override
  public Future<Delivery> resend(String id, long now) {
    String[] parts = Delivery.parseId(id);
    if (parts == null) {
      return Future.succeededFuture(null);
    }
    long seq = Long.parseLong(parts[2]);
    return bounded("resend", pool.withTransaction(conn -> conn.preparedQuery("UPDATE parkgate_webhook_deliveries"
                + " SET state = 'resent', finished_at = $1 WHERE seq = $2 AND subscription = $3 AND park_id = $4"
                + " AND state = 'failed' RETURNING " + COLUMNS)
            .execute(Tuple.of(now, seq, parts[0], parts[1]))
            .compose(marked -> {
              if (marked.size() == 0) {
                return Future.succeededFuture((Delivery) null);
              }
              Delivery dead = decode(marked.iterator().next());
              return conn.preparedQuery("INSERT INTO parkgate_webhook_deliveries (subscription, park_id,"
                      + " notification_id, type, body, state, created_at, next_attempt_at)"
                      + " VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6) RETURNING " + COLUMNS)
                  .execute(Tuple.of(dead.subscription(), dead.parkId(), dead.notificationId(), dead.type(), dead.body(),
                      now))
                  .map(rows -> decode(rows.iterator().next()));
            })))
        .compose(copy -> copy != null ? Future.succeededFuture(copy) : get(id).compose(d -> d == null
            ? Future.succeededFuture(null) : Future.failedFuture(new NotResendable(d))));
  }

  @Override
  public Future<Void> close() {
    vertx.cancelTimer(cleanupTimer);
    return Future.succeededFuture(); // the pool belongs to the payment store
  }

  private <T> Future<T> bounded(String what, Future<T> operation) {
    return operation.timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(PaymentStore.unavailable("webhook outbox " + what, e)));
  }

  private static List<Delivery> decodeAll(RowSet<Row> rows) {
    List<Delivery> out = new ArrayList<>(rows.size());
    rows.forEach(row -> out.add(decode(row)));
    return out;
  }

  private static Delivery decode(Row row) {
    return new Delivery(row.getString("subscription"), row.getString("park_id"), row.getLong("seq"),
        row.getString("notification_id"), row.getString("type"), row.getString("body"),
        DeliveryState.fromWire(row.getString("state")), row.getInteger("attempts"), row.getLong("created_at"),
        row.getLong("next_attempt_at"), row.getInteger("last_status"), row.getString("last_error"),
        row.getLong("finished_at"));
  }
}
