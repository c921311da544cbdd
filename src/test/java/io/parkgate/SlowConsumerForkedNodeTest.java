package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.testing.ForkedNodeProcess;
import io.parkgate.testing.Http;
import io.parkgate.testing.Metrics;
import io.parkgate.testing.PingFlood;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The slow-consumer defence against a real node process with the Dockerfile's JVM flags and a
 * small heap: before it, one controller flooding pings without reading made such a node fill its
 * heap with queued pongs and exit on OutOfMemoryError, taking every other park on it offline.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SlowConsumerForkedNodeTest {

  /** The Dockerfile's JAVA_TOOL_OPTIONS, with a heap small enough that a flood exhausts it in seconds. */
  static final List<String> DOCKERFILE_FLAGS = List.of("-XX:MaxRAMPercentage=65", "-XX:MaxDirectMemorySize=128m",
      "-XX:+ExitOnOutOfMemoryError", "-Djava.net.preferIPv4Stack=true");
  static final String HEAP = "-Xmx96m";
  static final long HEARTBEAT_MS = 500;
  /** A long idle timeout, so that the neighbour need not heartbeat while the test waits. */
  static final int IDLE_HEARTBEATS = 120;

  private ForkedNodeProcess node;

  @AfterEach
  void stopProcess() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aNodeWithTheDockerfileHeapFlagsSurvivesAPingFloodThatNeverReads() throws Exception {
    // GIVEN a node in its own JVM with the Dockerfile's flags and a 96 MiB heap, and a well-behaved park on it
    List<String> flags = new ArrayList<>(DOCKERFILE_FLAGS);
    flags.add(HEAP);
    node = ForkedNodeProcess.start(flags, TestNodes.newClusterName(), HEARTBEAT_MS, IDLE_HEARTBEATS);
    Http http = new Http(node.httpPort());
    int controllerPort = node.controllerPort();
    try (TestController neighbour = TestController.online(controllerPort, "fork-neighbour");
         PingFlood flood = PingFlood.online(controllerPort, "fork-flooder")) {
      long rssBeforeKb = node.rssPeakKb();

      // WHEN a second park floods pings and never reads the answers
      flood.start();

      // THEN the node closes the flooder (and does not die doing so)
      boolean closed = TestNodes.poll(Duration.ofSeconds(60), () -> !node.isAlive()
          || offline(http, "fork-flooder"));
      assertThat(node.isAlive()).as("node process alive; its log:\n%s", node.tail()).isTrue();
      assertThat(closed).as("flooder closed").isTrue();
      assertThat(Metrics.value(http, "parkgate_sessions_closed_total", "reason=\"slow_consumer\"")).isEqualTo(1);

      // AND the neighbour still gets answers, and the node's memory stayed bounded
      neighbour.send(new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "ping"));
      assertThat(readPong(neighbour)).isTrue();
      assertThat(http.get("/api/v1/parks/fork-neighbour").status()).isEqualTo(200);
      long rssGrowthKb = node.rssPeakKb() - rssBeforeKb;
      double heapUsed = Metrics.value(http, "jvm_memory_used_bytes", "area=\"heap\"");
      System.out.printf("forked node: %d pings sent, peak RSS grew %d KiB, heap used %.1f MiB after the flood%n",
          flood.pingsSent(), rssGrowthKb, heapUsed / (1 << 20));
      assertThat(rssGrowthKb).as("peak RSS growth during the flood, KiB").isLessThan(64 * 1024);
    }
  }

  private static boolean offline(Http http, String parkId) {
    try {
      return http.get("/api/v1/parks/" + parkId).status() == 404;
    } catch (RuntimeException e) {
      return false; // the node is dying: the next poll sees it
    }
  }

  private static boolean readPong(TestController gate) throws IOException {
    // the neighbour never heartbeated during the flood: lines it was sent before are skipped
    for (int i = 0; i < 100; i++) {
      JsonObject line = gate.read();
      if (Integer.valueOf(1).equals(line.getValue("id")) && line.containsKey("result")) {
        return true;
      }
    }
    return false;
  }
}
