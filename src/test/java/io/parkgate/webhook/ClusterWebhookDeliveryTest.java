package io.parkgate.webhook;

import io.parkgate.config.ParkgateConfig;

/** The delivery contract with the outbox in the grid (payments.store=cluster, the default). */
class ClusterWebhookDeliveryTest extends WebhookDeliveryContract {

  @Override
  ParkgateConfig.Builder store(ParkgateConfig.Builder builder) {
    return builder;
  }
}
