package io.parkgate.payments;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.parkgate.cluster.ClusterPaymentStore;
import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.security.ClusterCredentials;
import io.vertx.core.Vertx;
import java.util.UUID;
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
    Config config = new Config().setClusterName("payments-contract-" + UUID.randomUUID());
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    hazelcast = Hazelcast.newHazelcastInstance(config);
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
