package io.parkgate.history;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.parkgate.cluster.ClusterParkHistory;
import io.vertx.core.Vertx;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract, against the cluster history on one Hazelcast member that joins nobody. */
class ClusterParkHistoryTest extends ParkHistoryContract {

  private static Vertx vertx;
  private static HazelcastInstance hazelcast;
  private static ParkHistory history;

  @BeforeAll
  static void start() {
    Config config = new Config().setClusterName("history-contract-" + UUID.randomUUID());
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    hazelcast = Hazelcast.newHazelcastInstance(config);
    vertx = Vertx.vertx();
    history = new ClusterParkHistory(vertx, hazelcast, 3_600_000, 5_000);
  }

  @AfterAll
  static void stop() {
    vertx.close();
    hazelcast.shutdown();
  }

  @Override
  protected ParkHistory history() {
    return history;
  }
}
