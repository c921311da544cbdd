package io.parkgate.payments;

import com.hazelcast.core.HazelcastInstance;
import io.parkgate.cluster.ClusterPaymentStore;
import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.security.ClusterCredentials;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract, against the cluster store on one Hazelcast member that joins nobody. */
class ClusterPaymentStoreTest extends PaymentStoreContract {

  private static Vertx vertx;
  private static HazelcastInstance hazelcast;
  private static PaymentStore store;

  @BeforeAll
  static void start() throws Exception {
    hazelcast = io.parkgate.testing.TestHazelcast.standalone("payments-contract");
    vertx = Vertx.vertx();
    store = ClusterPaymentStore.start(vertx, hazelcast,
            ClusterCredentials.of("contract-secret-0123456789", null, null).seal(), GatewayMetrics.detached(),
            3_600_000, 5_000)
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    vertx.close();
    hazelcast.shutdown();
  }

  @Override
  protected PaymentStore store() {
    return store;
  }
}
