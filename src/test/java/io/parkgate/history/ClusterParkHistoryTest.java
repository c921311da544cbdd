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

  @org.junit.jupiter.api.Test
  void aValueInTheEarlierFormatIsReadAndKeptOnTheNextAppend() throws Exception {
    String park = "old-format-" + System.nanoTime();
    String earlier = new io.vertx.core.json.JsonObject().put("seq", 7).put("events", new io.vertx.core.json.JsonArray()
        .add(new io.vertx.core.json.JsonObject().put("parkId", park).put("type", "session.opened").put("at", 1_000L)
            .put("node", "n0").put("seq", 7))).encode();
    hazelcast.getMap(ClusterParkHistory.MAP_NAME).put(park, earlier);
    history.append(new io.parkgate.bus.ParkEvent(park, "session.closed", 2_000L,
        new io.vertx.core.json.JsonObject().put("reason", "idle").put("node", "n1")))
        .toCompletionStage().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
    ParkHistory.Page page = history.recent(park, null, 10).toCompletionStage().toCompletableFuture()
        .get(20, java.util.concurrent.TimeUnit.SECONDS);
    org.assertj.core.api.Assertions.assertThat(page.items()).extracting(e -> e.getLong("seq")).containsExactly(8L, 7L);
    org.assertj.core.api.Assertions.assertThat(page.items().get(1).getString("node")).isEqualTo("n0");
  }

  @Override
  protected ParkHistory history() {
    return history;
  }
}
