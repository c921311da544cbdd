package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.testing.Metrics;
import io.parkgate.testing.OneNode;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Controller connections per node and per source address (v1 and legacy listeners together):
 * one beyond a limit is refused on accept, the others keep working, and every connection gives
 * its place back exactly once when it closes.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ConnectionLimitsTest {

  private static final int NODE_LIMIT = 4;
  private static final int SOURCE_LIMIT = 2;
  @RegisterExtension
  static final OneNode NODE = OneNode.of(b -> b.maxControllerConnections(NODE_LIMIT)
      .maxControllerConnectionsPerSource(SOURCE_LIMIT)
      .legacyPort(0)
      .legacyAllowedParks(List.of("limit-*"))
      .legacyAllowedSources(List.of("127.0.0.0/8")));

  @BeforeEach
  void everyConnectionOfTheLastTestIsGone() {
    assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> connections() == 0)).isTrue();
  }

  private static double connections() {
    return Metrics.value(NODE.http(), "parkgate_connections", "listener=\"controllers\"");
  }

  private static double refused(String reason) {
    return Metrics.value(NODE.http(), "parkgate_connections_refused_total", "listener=\"controllers\"",
        "reason=\"" + reason + "\"");
  }

  private static int errorCode(JsonObject line) {
    return line.getJsonObject("error").getInteger("code");
  }

  @Test
  void aSourceAtItsLimitIsRefusedWhileOtherSourcesAndItsOwnConnectionsCarryOn() throws Exception {
    double before = refused("source_limit");
    List<TestController> open = new ArrayList<>();
    try {
      // GIVEN one source holding its limit: a v1 session and a legacy one (counted together)
      open.add(TestController.online(NODE.node().controllerPort(), "limit-a1"));
      TestController legacy = TestController.connect(NODE.node().legacyPort());
      legacy.send("limit-a2");
      open.add(legacy);
      assertThat(TestNodes.poll(Duration.ofSeconds(5), () -> connections() == SOURCE_LIMIT)).isTrue();

      // WHEN it opens one more
      try (TestController extra = TestController.connect(NODE.node().controllerPort())) {
        // THEN that one is refused at once, with its reason, before anything is read from it
        JsonObject refusal = extra.read();
        assertThat(errorCode(refusal)).isEqualTo(-32007);
        assertThat(refusal.getJsonObject("error").getString("message")).contains("from this address");
        assertThat(extra.awaitClosed(Duration.ofSeconds(3))).isTrue();
      }
      assertThat(refused("source_limit")).isEqualTo(before + 1);

      // AND its established session still answers, and another source still gets in
      assertThat(open.get(0).request("ping", new JsonObject()).containsKey("result")).isTrue();
      try (TestController other = TestController.hello(TestController.connectFrom("127.0.0.2", NODE.node().controllerPort()),
          "limit-b1")) {
        assertThat(other.request("ping", new JsonObject()).containsKey("result")).isTrue();
      }
    } finally {
      for (TestController c : open) {
        c.close();
      }
    }
  }

  @Test
  void aNodeAtItsLimitRefusesEveryNewControllerUntilOneLeaves() throws Exception {
    double before = refused("node_limit");
    List<TestController> open = new ArrayList<>();
    try {
      // GIVEN the node at its limit, from sources each within theirs
      for (int i = 0; i < NODE_LIMIT; i++) {
        open.add(TestController.hello(TestController.connectFrom("127.0.0." + (10 + i / SOURCE_LIMIT),
            NODE.node().controllerPort()), "limit-n" + i));
      }
      // WHEN a controller from a fresh source connects, on either listener
      try (TestController extra = TestController.connectFrom("127.0.0.20", NODE.node().controllerPort());
           TestController extraLegacy = TestController.connectFrom("127.0.0.21", NODE.node().legacyPort())) {
        // THEN it is refused, and the legacy one is simply closed (that protocol has no error line)
        assertThat(errorCode(extra.read())).isEqualTo(-32007);
        assertThat(extra.awaitClosed(Duration.ofSeconds(3))).isTrue();
        assertThat(extraLegacy.awaitClosed(Duration.ofSeconds(3))).isTrue();
      }
      assertThat(refused("node_limit")).isEqualTo(before + 2);
      // AND once one leaves, a newcomer fits again
      open.remove(0).close();
      assertThat(TestNodes.poll(Duration.ofSeconds(5), () -> connections() == NODE_LIMIT - 1)).isTrue();
      open.add(TestController.hello(TestController.connectFrom("127.0.0.20", NODE.node().controllerPort()), "limit-late"));
      assertThat(open.get(0).request("ping", new JsonObject()).containsKey("result")).isTrue();
    } finally {
      for (TestController c : open) {
        c.close();
      }
    }
  }

  @Test
  @SuppressWarnings("try") // connections that only have to be open
  void everyWayOfClosingGivesTheConnectionBackExactlyOnce() throws Exception {
    // GIVEN many connections that end in every way: peer close after hello, peer close before
    // hello, refused hello, protocol error, legacy refusal, and refusals at the limit
    int cycles = 20;
    for (int i = 0; i < cycles; i++) {
      // (closes are asynchronous on the node: let the last cycle's go before filling a source again)
      assertThat(TestNodes.poll(Duration.ofSeconds(5), () -> connections() == 0)).isTrue();
      try (TestController online = TestController.online(NODE.node().controllerPort(), "limit-cycle" + i)) {
        online.request("ping", new JsonObject());
      }
      TestController.connect(NODE.node().controllerPort()).close();
      try (TestController badToken = TestController.connectFrom("127.0.0.3", NODE.node().controllerPort())) {
        badToken.request("hello", new JsonObject().put("parkId", "limit-x").put("token", "wrong"));
        badToken.awaitClosed(Duration.ofSeconds(3));
      }
      try (TestController garbage = TestController.connect(NODE.node().controllerPort())) {
        garbage.send("not json");
        garbage.awaitClosed(Duration.ofSeconds(3));
      }
      try (TestController legacy = TestController.connectFrom("127.0.0.4", NODE.node().legacyPort())) {
        legacy.send("not-allowed-park");
        legacy.awaitClosed(Duration.ofSeconds(3));
      }
      // (the closes above are asynchronous on the node: wait for them before filling the source)
      assertThat(TestNodes.poll(Duration.ofSeconds(5), () -> connections() == 0)).isTrue();
      try (TestController a = TestController.connect(NODE.node().controllerPort());
           TestController b = TestController.connect(NODE.node().controllerPort())) {
        assertThat(TestNodes.poll(Duration.ofSeconds(5), () -> connections() == SOURCE_LIMIT)).isTrue();
        try (TestController refusedOne = TestController.connect(NODE.node().controllerPort())) {
          assertThat(errorCode(refusedOne.read())).isEqualTo(-32007);
        }
      }
    }
    // THEN the node holds no connection any more
    assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> connections() == 0))
        .as("connections held after %d cycles: %s", cycles, connections()).isTrue();
  }
}
