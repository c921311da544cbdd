package io.parkgate;

import io.parkgate.config.Settings;
import io.parkgate.testing.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every payment test of {@link PaymentsAndKeysContract}, on the postgres store (the tests' PostgreSQL,
 * emptied first: ids repeat from run to run).
 */
class PaymentsOnPostgresTest extends PaymentsAndKeysContract {

  @BeforeAll
  static void startCluster() {
    String uri = TestPostgres.uri();
    String password = TestPostgres.password();
    emptyTables(uri, password);
    startCluster(b -> b.set(Settings.PAYMENTS_STORE, "postgres").set(Settings.PAYMENTS_POSTGRES_URI, uri)
        .set(Settings.POSTGRES_PASSWORD, password));
  }

  /** Deletes every payment row (the schema stays); a first run has no table yet, which is fine. */
  static void emptyTables(String uri, String password) {
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(uri).setPassword(password)).using(vertx).build();
      pool.query("DELETE FROM parkgate_payments").execute().otherwiseEmpty()
          .compose(v -> pool.close()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("could not empty the test database", e);
    } finally {
      vertx.close();
    }
  }
}
