package io.parkgate.history;

import io.parkgate.bus.ParkEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.parkgate.payments.PostgresRetention;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The park history in PostgreSQL (table {@code parkgate_park_events}, created by the payment
 * store's migrations, {@code V2__park_events.sql}), used when the payments store is postgres: it
 * shares that store's pool and outlives the cluster. Each park keeps its last
 * {@link ParkHistory#MAX_EVENTS} rows of each kind, gate-reported and not (trimmed on append); rows older than the retention are
 * deleted once a minute by every node (idempotent).
 */
public final class PostgresParkHistory implements ParkHistory {

  private final Vertx vertx;
  private final Pool pool;
  private final long retentionMs;
  private final long timeoutMs;
  private final long cleanupTimer;

  public PostgresParkHistory(Vertx vertx, Pool pool, long retentionMs, long timeoutMs) {
    this.vertx = vertx;
    this.pool = pool;
    this.retentionMs = retentionMs;
    this.timeoutMs = timeoutMs;
    this.cleanupTimer = PostgresRetention.start(vertx, pool, "park history",
        "DELETE FROM parkgate_park_events WHERE at < now() - make_interval(secs => $1)", () -> Tuple.of(retentionMs / 1000.0));
  }

  @Override
  public Future<Void> append(ParkEvent event) {
    String foldKey = event.foldKey();
    Future<Integer> folded = foldKey == null ? Future.succeededFuture(0)
        : pool.preparedQuery("UPDATE parkgate_park_events SET count = count + 1, first_at = coalesce(first_at, at),"
                + " at = greatest(at, to_timestamp($3::bigint / 1000.0))"
                + " WHERE seq = (SELECT max(seq) FROM parkgate_park_events WHERE park_id = $1)"
                + " AND fold_key = $2 AND at > to_timestamp(($3::bigint - $4::bigint) / 1000.0)")
            .execute(Tuple.of(event.parkId(), foldKey, event.at(), ParkEvent.FOLD_WINDOW_MS))
            .map(rows -> rows.rowCount());
    return bounded(folded.compose(n -> n > 0 ? Future.<Void>succeededFuture() : insert(event, foldKey)));
  }

  private Future<Void> insert(ParkEvent event, String foldKey) {
    return pool.preparedQuery("INSERT INTO parkgate_park_events (park_id, at, fold_key, event)"
            + " VALUES ($1, to_timestamp($2::bigint / 1000.0), $3, $4)")
        .execute(Tuple.of(event.parkId(), event.at(), foldKey, event.toJson()))
        // the last MAX_EVENTS of the new event's kind stay (gate-reported ones and the others apart)
        .compose(v -> pool.preparedQuery("DELETE FROM parkgate_park_events WHERE park_id = $1"
                + " AND (event->>'source' IS NOT DISTINCT FROM 'gate') = $3 AND seq <="
                + " (SELECT seq FROM parkgate_park_events WHERE park_id = $1"
                + " AND (event->>'source' IS NOT DISTINCT FROM 'gate') = $3 ORDER BY seq DESC OFFSET $2 LIMIT 1)")
            .execute(Tuple.of(event.parkId(), MAX_EVENTS, ParkEvent.gateReported(event.toJson()))))
        .mapEmpty();
  }

  @Override
  public Future<Page> recent(String parkId, Long before, int limit) {
    return bounded(pool.preparedQuery("SELECT seq, at, count, first_at, event FROM parkgate_park_events"
            + " WHERE park_id = $1 AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3")
        .execute(Tuple.of(parkId, before, limit + 1)))
        .map(rows -> {
          List<JsonObject> items = new ArrayList<>();
          Long next = null;
          for (Row row : rows) {
            if (items.size() == limit) {
              next = items.get(items.size() - 1).getLong("seq");
              break;
            }
            items.add(ParkEvent.toApiJson(stored(row), row.getLong("seq")));
          }
          return new Page(items, next);
        });
  }

  private static JsonObject stored(Row row) {
    Object event = row.getValue("event");
    JsonObject out = (event instanceof JsonObject json ? json.copy() : new JsonObject(String.valueOf(event)))
        .put("at", millis(row.getOffsetDateTime("at")));
    int count = row.getInteger("count");
    if (count > 1) {
      out.put("count", count).put("firstAt", millis(row.getOffsetDateTime("first_at")));
    }
    return out;
  }

  private static long millis(OffsetDateTime t) {
    return t == null ? 0 : t.toInstant().toEpochMilli();
  }

  @Override
  public Future<Void> close() {
    vertx.cancelTimer(cleanupTimer);
    return Future.succeededFuture();
  }

  private <T> Future<T> bounded(Future<T> operation) {
    return operation.timeout(timeoutMs, TimeUnit.MILLISECONDS);
  }
}
