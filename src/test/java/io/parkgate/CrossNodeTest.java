package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.testing.Http.Response;
import io.parkgate.testing.Http;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two clustered nodes in one JVM: node A holds controllers only (HTTP off), node B serves HTTP only
 * (controller listener off). Every request crosses the clustered event bus.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CrossNodeTest {

  private static ParkgateNode nodeA;
  private static ParkgateNode nodeB;
  private static Http httpB;

  @BeforeAll
  static void startCluster() {
    String cluster = TestNodes.newClusterName();
    nodeA = TestNodes.start(TestNodes.config(cluster).httpPort(null).build());
    nodeB = TestNodes.start(TestNodes.config(cluster).controllerPort(null).build());
    httpB = new Http(nodeB.httpPort());
  }

  @AfterAll
  static void stopCluster() {
    TestNodes.close(nodeB);
    TestNodes.close(nodeA);
  }

  @Test
  void nodesListenOnlyWhereConfigured() {
    assertThat(nodeA.httpPort()).isEqualTo(-1);
    assertThat(nodeA.controllerPort()).isPositive();
    assertThat(nodeB.controllerPort()).isEqualTo(-1);
    assertThat(nodeB.httpPort()).isPositive();
  }

  @Test
  void requestEnteringNodeBReachesAControllerOnNodeA() throws Exception {
    try (TestController gate = TestController.online(nodeA.controllerPort(), "x1")) {
      // the hello answer means the park is reachable cluster-wide: ask B right away
      List<CompletableFuture<Response>> calls = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        calls.add(httpB.getAsync("/api/v1/parks/x1/fee?plate=X" + i + "&timeoutMs=5000"));
      }
      for (int i = 0; i < 20; i++) {
        JsonObject request = gate.readRequest("fee.query");
        String plate = request.getJsonObject("params").getString("plate");
        gate.answer(request, new JsonObject().put("amount", 300).put("currency", "CNY").put("plate", plate));
      }
      for (int i = 0; i < 20; i++) {
        Response r = calls.get(i).join();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().getString("plate")).isEqualTo("X" + i);
      }
      Response status = httpB.get("/api/v1/parks/x1");
      assertThat(status.status()).isEqualTo(200);
      assertThat(status.json().getBoolean("online")).isTrue();
      assertThat(status.json().getString("connectedAt")).isNotBlank();
    }
  }

  @Test
  void failuresOnNodeAReachNodeBTypedAndAtOnce() throws Exception {
    TestController gate = TestController.online(nodeA.controllerPort(), "x2");
    long timeoutMs = 10_000;
    // GIVEN a request that times out on node A's controller
    CompletableFuture<Response> slow = httpB.getAsync("/api/v1/parks/x2/fee?timeoutMs=300");
    gate.readRequest("fee.query");
    assertThat(slow.join().error()).isEqualTo("GATE_TIMEOUT");
    assertThat(gate.read().getString("method")).as("the server's probe after the timeout").isEqualTo("ping");
    // THEN the next one, entering node B, fails fast: in a tenth of its timeout
    Response fast = httpB.get("/api/v1/parks/x2/fee?timeoutMs=" + timeoutMs);
    assertThat(fast.error()).isEqualTo("GATE_UNRESPONSIVE");
    assertThat(fast.elapsedMs()).isLessThan(timeoutMs / 10);
    // WHEN the controller speaks, then its socket closes with a request waiting
    assertThat(gate.request("ping", new JsonObject()).getJsonObject("result")).isNotNull();
    long waitingTimeoutMs = 20_000;
    CompletableFuture<Response> waiting = httpB.getAsync("/api/v1/parks/x2/fee?timeoutMs=" + waitingTimeoutMs);
    gate.readRequest("fee.query");
    long closedAt = System.nanoTime();
    gate.close();
    // THEN node B's caller gets GATE_OFFLINE at once: in a tenth of its timeout
    Response closed = waiting.join();
    assertThat(closed.error()).isEqualTo("GATE_OFFLINE");
    assertThat((System.nanoTime() - closedAt) / 1_000_000).isLessThan(waitingTimeoutMs / 10);
  }

  @Test
  void unknownParkIsOfflineAtOnceFromTheOtherNode() {
    httpB.get("/api/v1/parks/x-warm-up/fee"); // the first request of a JVM pays for class loading
    // WHEN node B is asked for a park no node holds, THEN it is offline in a tenth of the timeout
    long timeoutMs = 10_000;
    Response r = httpB.get("/api/v1/parks/x-none/fee?timeoutMs=" + timeoutMs);
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.error()).isEqualTo("GATE_OFFLINE");
    assertThat(r.elapsedMs()).isLessThan(timeoutMs / 10);
  }
}
