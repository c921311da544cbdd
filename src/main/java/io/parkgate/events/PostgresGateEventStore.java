package io.parkgate.events;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.parkgate.payments.PostgresRetention;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.concurrent.TimeUnit;

/**
 * Gate events in PostgreSQL (table {@code parkgate_gate_events}, created by the payment store's
 * migrations, {@code V3__gate_events.sql}), used when the payments store is postgres: it shares
 * that store's pool and outlives the cluster. The first report of an event inserts it
 * ({@code ON CONFLICT DO NOTHING}); rows older than the retention are deleted once a minute by
 * every node (idempotent).
 */
public final class PostgresGateEventStore implements GateEventStore {

  private final Pool pool;
  private final Vertx vertx;
  private final long retentionMs;
  private final long timeoutMs;
  private final long cleanupTimer;

  public PostgresGateEventStore(Vertx vertx, Pool pool, long retentionMs, long timeoutMs) {
    this.vertx = vertx;
    this.pool = pool;
    this.retentionMs = retentionMs;
    this.timeoutMs = timeoutMs;
    this.cleanupTimer = PostgresRetention.start(vertx, pool, "gate events",
        "DELETE FROM parkgate_gate_events WHERE received_at < now() - make_interval(secs => $1)", () -> Tuple.of(retentionMs / 1000.0));
  }

  @Override
  public Future<GateEvent> get(String parkId, String eventId) {
    return bounded("read", pool.preparedQuery("SELECT event FROM parkgate_gate_events WHERE park_id = $1 AND event_id = $2")
        .execute(Tuple.of(parkId, eventId))).map(PostgresGateEventStore::first);
  }

  @Override
  public Future<GateEvent> insert(GateEvent event) {
    return bounded("insert", pool.preparedQuery("INSERT INTO parkgate_gate_events"
            + " (park_id, event_id, type, at, received_at, event) VALUES ($1, $2, $3,"
            + " to_timestamp($4::bigint / 1000.0), to_timestamp($5::bigint / 1000.0), $6) ON CONFLICT DO NOTHING")
        .execute(Tuple.of(event.parkId(), event.eventId(), event.type(), event.at(), event.receivedAt(), event.toJson()))
        .compose(rows -> rows.rowCount() == 1 ? Future.succeededFuture(event)
            : get(event.parkId(), event.eventId()).map(first -> first == null ? event : first)));
  }

  private static GateEvent first(RowSet<Row> rows) {
    for (Row row : rows) {
      Object value = row.getValue("event");
      return GateEvent.fromJson(value instanceof JsonObject json ? json : new JsonObject(String.valueOf(value)));
    }
    return null;
  }

  @Override
  public Future<Void> close() {
    vertx.cancelTimer(cleanupTimer);
    return Future.succeededFuture();
  }

  private <T> Future<T> bounded(String what, Future<T> operation) {
    return operation.timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(GateEventStore.unavailable(what, e)));
  }
}
