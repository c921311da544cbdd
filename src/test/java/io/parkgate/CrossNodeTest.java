package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.testing.Http.Response;
import io.parkgate.testing.Http;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two clustered nodes in one JVM: node A holds controllers only (HTTP off), node B serves HTTP only
 * (controller listener off). Every request crosses the clustered event bus.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CrossNodeTest {

  private static ParkgateNode nodeA;
  private static ParkgateNode nodeB;
  private static Http httpB;

  @BeforeAll
  static void startCluster() {
    String cluster = TestNodes.newClusterName();
    nodeA = TestNodes.start(TestNodes.config(cluster).httpPort(null).build());
    nodeB = TestNodes.start(TestNodes.config(cluster).devicePort(null).build());
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
    assertThat(nodeA.devicePort()).isPositive();
    assertThat(nodeB.devicePort()).isEqualTo(-1);
    assertThat(nodeB.httpPort()).isPositive();
  }

  @Test
  void requestEnteringNodeBReachesAControllerOnNodeA() throws Exception {
    try (TestController gate = TestController.online(nodeA.devicePort(), "x1")) {
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
    TestController gate = TestController.online(nodeA.devicePort(), "x2");
    // a timeout, then fail-fast, across nodes
    CompletableFuture<Response> slow = httpB.getAsync("/api/v1/parks/x2/fee?timeoutMs=300");
    gate.readRequest("fee.query");
    assertThat(slow.join().error()).isEqualTo("GATE_TIMEOUT");
    assertThat(gate.read().getString("method")).as("the server's probe after the timeout").isEqualTo("ping");
    Response fast = httpB.get("/api/v1/parks/x2/fee?timeoutMs=5000");
    assertThat(fast.error()).isEqualTo("GATE_UNRESPONSIVE");
    assertThat(fast.elapsedMs()).isLessThan(500);
    // the controller speaks, then its socket closes with a request waiting
    assertThat(gate.request("ping", new JsonObject()).getJsonObject("result")).isNotNull();
    CompletableFuture<Response> waiting = httpB.getAsync("/api/v1/parks/x2/fee?timeoutMs=20000");
    gate.readRequest("fee.query");
    long closedAt = System.nanoTime();
    gate.close();
    Response closed = waiting.join();
    assertThat(closed.error()).isEqualTo("GATE_OFFLINE");
    assertThat((System.nanoTime() - closedAt) / 1_000_000).isLessThan(2_000);
  }

  @Test
  void unknownParkIsOfflineAtOnceFromTheOtherNode() {
    httpB.get("/api/v1/parks/x-warm-up/fee"); // the first request of a JVM pays for class loading
    Response r = httpB.get("/api/v1/parks/x-none/fee?timeoutMs=10000");
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.error()).isEqualTo("GATE_OFFLINE");
    assertThat(r.elapsedMs()).isLessThan(500);
  }
}
