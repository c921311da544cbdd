package io.parkgate;

import io.parkgate.config.Settings;
import io.parkgate.testing.TestPostgres;
import org.junit.jupiter.api.BeforeAll;

/** {@link GateEventsContract} with gate events in PostgreSQL ({@code payments.store=postgres}). */
class GateEventsOnPostgresTest extends GateEventsContract {

  @BeforeAll
  static void start() {
    startCluster(b -> b.set(Settings.PAYMENTS_STORE, "postgres").set(Settings.PAYMENTS_POSTGRES_URI, TestPostgres.uri())
        .set(Settings.POSTGRES_PASSWORD, TestPostgres.password()));
  }
}
