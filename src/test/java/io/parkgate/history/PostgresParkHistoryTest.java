package io.parkgate.history;

import io.parkgate.payments.PaymentStore;
import io.parkgate.payments.PostgresPaymentStore;
import io.parkgate.testing.TestPostgres;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract, against the postgres history on the tests' PostgreSQL (scripts/test-env), migrated by the payment store. */
class PostgresParkHistoryTest extends ParkHistoryContract {

  private static Vertx vertx;
  private static PaymentStore store;
  private static ParkHistory history;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    PostgresPaymentStore postgres = TestPostgres.startPaymentStore(vertx);
    store = postgres;
    history = new PostgresParkHistory(vertx, postgres.pool(), 3_600_000, 5_000);
  }

  @AfterAll
  static void stop() {
    if (history != null) {
      history.close();
    }
    if (store != null) {
      store.close();
    }
    if (vertx != null) {
      vertx.close();
    }
  }

  @Override
  protected ParkHistory history() {
    return history;
  }
}
