package io.parkgate.webhook;

import io.parkgate.config.ParkgateConfig;
import io.parkgate.config.Settings;
import io.parkgate.testing.TestPostgres;

/** The delivery contract with the outbox in PostgreSQL (payments.store=postgres). */
class PostgresWebhookDeliveryTest extends WebhookDeliveryContract {

  @Override
  ParkgateConfig.Builder store(ParkgateConfig.Builder builder) {
    return builder.set(Settings.PAYMENTS_STORE, "postgres").set(Settings.PAYMENTS_POSTGRES_URI, TestPostgres.uri())
        .set(Settings.POSTGRES_PASSWORD, TestPostgres.password());
  }
}
