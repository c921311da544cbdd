package io.parkgate.payments;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retention cleanup of a PostgreSQL table: one {@code DELETE} once a minute on every node (it is
 * idempotent, so nodes need not agree who runs it); a failure is logged at DEBUG and tried again
 * the next minute. Used by the payment store, the park history and the gate events.
 */
public final class PostgresRetention {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresRetention.class);
  /** How often each node runs each table's cleanup. */
  public static final long EVERY_MS = 60_000;

  private PostgresRetention() {
  }

  /**
   * Starts running {@code delete} with the arguments {@code args} gives at each run (times move).
   *
   * @param what the table's contents in words, for the log
   * @return the timer, to cancel on close
   */
  public static long start(Vertx vertx, Pool pool, String what, String delete, Supplier<Tuple> args) {
    return vertx.setPeriodic(EVERY_MS, t -> pool.preparedQuery(delete).execute(args.get())
        .onSuccess(rows -> {
          if (rows.rowCount() > 0) {
            LOG.info("{}: deleted {} rows past their retention", what, rows.rowCount());
          }
        })
        .onFailure(e -> LOG.debug("{}: retention cleanup failed: {}", what, e.getMessage())));
  }
}
