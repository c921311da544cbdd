package io.parkgate.history;

import com.hazelcast.core.HazelcastInstance;
import io.parkgate.cluster.ClusterParkHistory;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract, against the cluster history on one Hazelcast member that joins nobody. */
class ClusterParkHistoryTest extends ParkHistoryContract {

  private static Vertx vertx;
  private static HazelcastInstance hazelcast;
  private static ParkHistory history;

  @BeforeAll
  static void start() {
    hazelcast = io.parkgate.testing.TestHazelcast.standalone("history-contract");
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
