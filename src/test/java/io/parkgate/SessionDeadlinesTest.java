package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.config.ParkgateConfig;
import io.parkgate.testing.Http;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Session deadlines (hello, idle) on a node with a short heartbeat so they elapse quickly. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SessionDeadlinesTest {

  private static ParkgateConfig config;
  private static ParkgateNode node;
  private static Http http;

  @BeforeAll
  static void startNode() {
    config = TestNodes.config(TestNodes.newClusterName())
        .heartbeatIntervalMs(300)
        .helloTimeoutMs(800)
        .build();
    node = TestNodes.start(config);
    http = new Http(node.httpPort());
  }

  @AfterAll
  static void stopNode() {
    TestNodes.close(node);
  }

  @Test
  void closesAConnectionThatNeverSaysHello() throws Exception {
    try (TestController gate = TestController.connect(node.devicePort())) {
      long start = System.nanoTime();
      assertThat(gate.read().getJsonObject("error").getInteger("code")).isEqualTo(-32003);
      assertThat(gate.awaitClosed(Duration.ofSeconds(3))).isTrue();
      assertThat((System.nanoTime() - start) / 1_000_000)
          .isBetween(config.helloTimeoutMs() - 100, config.helloTimeoutMs() + 2_000);
    }
  }

  @Test
  void pingsDoNotExtendTheHelloDeadline() throws Exception {
    try (TestController gate = TestController.connect(node.devicePort())) {
      // a response before hello is refused outright
      gate.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
      assertThat(gate.read().getJsonObject("error").getInteger("code")).isEqualTo(-32002);
      assertThat(gate.awaitClosed(Duration.ofSeconds(3))).isTrue();
    }
  }

  @Test
  void idleTimeoutTakesASilentControllerOffline() throws Exception {
    try (TestController gate = TestController.online(node.devicePort(), "c-idle")) {
      assertThat(http.get("/api/v1/parks/c-idle").status()).isEqualTo(200);
      long start = System.nanoTime();
      // the controller says nothing more: the server must close it after idleTimeoutMs
      JsonObject lastWords = gate.read();
      assertThat(lastWords.getJsonObject("error").getInteger("code")).isEqualTo(-32004);
      assertThat(gate.awaitClosed(Duration.ofSeconds(2))).isTrue();
      long silentMs = (System.nanoTime() - start) / 1_000_000;
      assertThat(silentMs).isBetween(config.idleTimeoutMs() - 100, config.idleTimeoutMs() + 2_000);
      assertThat(TestNodes.poll(Duration.ofSeconds(3), () -> http.get("/api/v1/parks/c-idle").status() == 404)).isTrue();
      assertThat(http.get("/api/v1/parks/c-idle/fee").error()).isEqualTo("GATE_OFFLINE");
    }
  }

  @Test
  void heartbeatsKeepAControllerOnline() throws Exception {
    try (TestController gate = TestController.online(node.devicePort(), "c-beat")) {
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.idleTimeoutMs() * 2);
      while (System.nanoTime() < until) {
        assertThat(gate.request("ping", new JsonObject()).getJsonObject("result")).isNotNull();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(config.heartbeatIntervalMs()));
      }
      assertThat(http.get("/api/v1/parks/c-beat").json().getBoolean("online")).isTrue();
    }
  }

}
