package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.testing.Metrics;
import io.parkgate.testing.OneNode;
import io.parkgate.testing.PingFlood;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A controller that writes without reading what it is sent: the node stops reading from it and
 * closes it as a slow consumer, within two heartbeat intervals, while other parks carry on.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowConsumerTest {

  @RegisterExtension
  // a long idle timeout: the neighbour need not heartbeat while the test waits
  static final OneNode NODE = OneNode.of(b -> b.heartbeatIntervalMs(250).idleHeartbeats(40));

  @Test
  void aControllerThatPingsWithoutReadingIsClosedAsASlowConsumerWhileOthersKeepAnswering() throws Exception {
    long boundMs = 2 * NODE.config().heartbeatIntervalMs();
    double closedBefore = Metrics.value(NODE.http(), "parkgate_sessions_closed_total", "reason=\"slow_consumer\"");
    // GIVEN a well-behaved park and a flooding park on the same node
    try (TestController neighbour = TestController.online(NODE.node().controllerPort(), "slow-neighbour");
         PingFlood flood = PingFlood.online(NODE.node().controllerPort(), "slow-flooder")) {
      assertThat(NODE.http().get("/api/v1/parks/slow-flooder").status()).isEqualTo(200);

      // WHEN the flooder writes pings as fast as it can and never reads the pongs
      flood.start();

      // THEN the node stops reading (the flooder's writes block once the socket buffers are full,
      // which takes as long as the kernel's buffer autotuning lets them grow) and, the bound after
      // that, closes it as a slow consumer
      assertThat(TestNodes.poll(Duration.ofSeconds(30),
          () -> NODE.http().get("/api/v1/parks/slow-flooder").status() == 404)).as("flooder closed").isTrue();
      long blockedForMs = (System.nanoTime() - flood.lastWriteNanos()) / 1_000_000;
      assertThat(blockedForMs).isBetween(boundMs / 2, 3 * boundMs);
      assertThat(Metrics.value(NODE.http(), "parkgate_sessions_closed_total", "reason=\"slow_consumer\""))
          .isEqualTo(closedBefore + 1);
      assertThat(flood.ended().get(boundMs * 4, TimeUnit.MILLISECONDS)).as("the flooder's writes fail").isNotNull();

      // AND the neighbour was answered all along and still is
      assertThat(neighbour.request("ping", new io.vertx.core.json.JsonObject()).getValue("result")).isNotNull();
      assertThat(NODE.http().get("/api/v1/parks/slow-neighbour").status()).isEqualTo(200);
    }
  }
}
