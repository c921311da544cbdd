package io.parkgate.payments;

import io.parkgate.testing.TestPostgres;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract, against the postgres store on the tests' PostgreSQL (scripts/test-env). */
class PostgresPaymentStoreTest extends PaymentStoreContract {

  private static Vertx vertx;
  private static PaymentStore store;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    store = TestPostgres.startPaymentStore(vertx);
  }

  @AfterAll
  static void stop() {
    if (store != null) {
      store.close();
    }
    if (vertx != null) {
      vertx.close();
    }
  }

  @Override
  protected PaymentStore store() {
    return store;
  }
}
