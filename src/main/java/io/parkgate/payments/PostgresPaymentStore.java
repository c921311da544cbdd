package io.parkgate.payments;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code postgres} payment store: one row per paymentId in {@code parkgate_payments}, through
 * the reactive {@code vertx-pg-client} (nothing blocks an event loop). The database enforces one
 * record per paymentId (primary key, {@code INSERT ... ON CONFLICT DO NOTHING}); every transition
 * is a conditional {@code UPDATE ... WHERE version = expected}, so two nodes can never both move a
 * payment from the same state. Records survive a full restart of the cluster.
 *
 * <p>The schema is created and migrated at start from the versioned SQL files listed in
 * {@code db/payments/migrations.txt}, each applied once, in order, in its own transaction, under a
 * PostgreSQL advisory lock (nodes starting together do not race). Final records are deleted
 * {@code payments.retentionMs} after their last change, pending ones that were never read again
 * that long after their validity ended; by every node, once a minute (idempotent).
 *
 * <p>Every operation is bounded by the store timeout; a failure or a timeout is
 * {@link PaymentStore#unavailable STORE_UNAVAILABLE}, and the pool reconnects by itself when the
 * database returns.
 */
public final class PostgresPaymentStore implements PaymentStore {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresPaymentStore.class);
  private static final String MIGRATIONS = "db/payments/";
  /** Any constant: the advisory lock that serialises migrations across nodes. */
  private static final long MIGRATION_LOCK = 0x7061726b67617465L;
  private static final String COLUMNS = "record";

  private final Vertx vertx;
  private final Pool pool;
  private final long timeoutMs;
  private final long retentionMs;
  private long cleanupTimer = -1;

  private PostgresPaymentStore(Vertx vertx, Pool pool, long timeoutMs, long retentionMs) {
    this.vertx = vertx;
    this.pool = pool;
    this.timeoutMs = timeoutMs;
    this.retentionMs = retentionMs;
  }

  /**
   * Connects, migrates the schema, and starts the retention cleanup.
   *
   * @param uri      {@code postgresql://user@host:port/database} (a password in it is used if no
   *                 {@code password} is given)
   * @param password from the environment, or null
   */
  public static Future<PaymentStore> start(Vertx vertx, String uri, String password, int poolSize, long timeoutMs,
      long retentionMs) {
    PgConnectOptions connect = PgConnectOptions.fromUri(uri);
    if (password != null) {
      connect.setPassword(password);
    }
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(poolSize).setConnectionTimeout(
            (int) Math.max(1, timeoutMs)).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
        .connectingTo(connect).using(vertx).build();
    PostgresPaymentStore store = new PostgresPaymentStore(vertx, pool, timeoutMs, retentionMs);
    return vertx.executeBlocking(PostgresPaymentStore::readMigrations, false)
        .compose(store::migrate)
        .map(v -> {
          store.cleanupTimer = store.startCleanup();
          return (PaymentStore) store;
        })
        .recover(e -> pool.close().transform(x -> Future.failedFuture(
            PaymentStore.unavailable("start", e))));
  }

  private static Map<String, String> readMigrations() {
    Map<String, String> files = new LinkedHashMap<>();
    for (String line : resource(MIGRATIONS + "migrations.txt").split("\n")) {
      String name = line.trim();
      if (!name.isEmpty() && !name.startsWith("#")) {
        files.put(name, resource(MIGRATIONS + name));
      }
    }
    return files;
  }

  private static String resource(String path) {
    try (InputStream in = PostgresPaymentStore.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Future<Void> migrate(Map<String, String> files) {
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<String, String> file : files.entrySet()) {
      chain = chain.compose(v -> pool.withTransaction(conn -> apply(conn, file.getKey(), file.getValue())));
    }
    return chain;
  }

  private static Future<Void> apply(SqlConnection conn, String name, String sql) {
    return conn.preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(MIGRATION_LOCK))
        .compose(v -> conn.query("CREATE TABLE IF NOT EXISTS parkgate_schema_versions"
            + " (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())").execute())
        .compose(v -> conn.preparedQuery("SELECT 1 FROM parkgate_schema_versions WHERE name = $1").execute(Tuple.of(name)))
        .compose(found -> {
          if (found.size() > 0) {
            return Future.succeededFuture();
          }
          LOG.info("payment store: applying schema migration {}", name);
          return conn.query(sql).execute()
              .compose(v -> conn.preparedQuery("INSERT INTO parkgate_schema_versions (name) VALUES ($1)")
                  .execute(Tuple.of(name)))
              .mapEmpty();
        });
  }

  private long startCleanup() {
    // final records a retention after their last change; pending ones nobody read again (a park
    // that never came back) a retention after their validity ended, as the cluster store's TTL does
    return PostgresRetention.start(vertx, pool, "payment store",
        "DELETE FROM parkgate_payments WHERE (state IN ('confirmed', 'rejected', 'expired', 'cancelled')"
            + " AND updated_at < now() - make_interval(secs => $1)) OR valid_until < $2",
        () -> Tuple.of(retentionMs / 1000.0, System.currentTimeMillis() - retentionMs));
  }

  @Override
  public Future<Inserted> insert(Payment payment) {
    return bounded("insert", pool.preparedQuery("INSERT INTO parkgate_payments"
            + " (payment_id, park_id, state, version, accepted_at, valid_until, record)"
            + " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (payment_id) DO NOTHING")
        .execute(Tuple.of(payment.paymentId(), payment.parkId(), payment.state().wire(), payment.version(),
            payment.acceptedAt(), payment.validUntil(), payment.toJson())))
        .compose(rows -> rows.rowCount() == 1 ? Future.succeededFuture(new Inserted(true, payment))
            : get(payment.paymentId()).map(existing -> new Inserted(false, existing)));
  }

  @Override
  public Future<Payment> get(String paymentId) {
    return bounded("read", pool.preparedQuery("SELECT " + COLUMNS + " FROM parkgate_payments WHERE payment_id = $1")
        .execute(Tuple.of(paymentId)))
        .map(rows -> rows.size() == 0 ? null : decode(rows.iterator().next()));
  }

  @Override
  public Future<Boolean> replace(Payment expected, Payment next) {
    return bounded("update", pool.preparedQuery("UPDATE parkgate_payments SET state = $1, version = $2, record = $3,"
            + " updated_at = now() WHERE payment_id = $4 AND version = $5")
        .execute(Tuple.of(next.state().wire(), next.version(), next.toJson(), next.paymentId(), expected.version())))
        .map(rows -> rows.rowCount() == 1);
  }

  @Override
  public Future<List<Payment>> byPark(String parkId, Set<PaymentState> states, String after, int limit) {
    String[] wanted = states.stream().map(PaymentState::wire).toArray(String[]::new);
    return bounded("query", pool.preparedQuery("SELECT " + COLUMNS + " FROM parkgate_payments"
            + " WHERE park_id = $1 AND state = ANY($2) AND ($3::text IS NULL OR payment_id > $3)"
            + " ORDER BY payment_id LIMIT $4")
        .execute(Tuple.of(parkId, wanted, after, limit)))
        .map(PostgresPaymentStore::decodeAll);
  }

  @Override
  public Future<List<Payment>> pending(String parkId) {
    return bounded("query", pool.preparedQuery("SELECT " + COLUMNS + " FROM parkgate_payments"
            + " WHERE park_id = $1 AND state IN ('accepted', 'sent') ORDER BY accepted_at, payment_id")
        .execute(Tuple.of(parkId)))
        .map(PostgresPaymentStore::decodeAll);
  }

  @Override
  public Future<Set<String>> parksWithPending() {
    // served by the partial index of V5 (only pending rows are in it)
    return bounded("query", pool.query("SELECT DISTINCT park_id FROM parkgate_payments"
            + " WHERE state IN ('accepted', 'sent')").execute())
        .map(rows -> {
          Set<String> parks = new java.util.HashSet<>();
          rows.forEach(row -> parks.add(row.getString(0)));
          return parks;
        });
  }

  /** The store's connection pool, shared with the park history ({@code PostgresParkHistory}). */
  public Pool pool() {
    return pool;
  }

  @Override
  public Future<Void> ping() {
    return bounded("ping", pool.query("SELECT 1").execute()).mapEmpty();
  }

  @Override
  public Future<Void> close() {
    if (cleanupTimer != -1) {
      vertx.cancelTimer(cleanupTimer);
    }
    return pool.close();
  }

  private <T> Future<T> bounded(String what, Future<T> operation) {
    return operation.timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(PaymentStore.unavailable(what, e)));
  }

  private static List<Payment> decodeAll(RowSet<Row> rows) {
    List<Payment> out = new ArrayList<>(rows.size());
    rows.forEach(row -> out.add(decode(row)));
    return out;
  }

  private static Payment decode(Row row) {
    Object record = row.getValue(0);
    return Payment.fromJson(record instanceof JsonObject json ? json : new JsonObject(String.valueOf(record)));
  }
}
