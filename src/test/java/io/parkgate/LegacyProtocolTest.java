package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.config.ParkgateConfig;
import io.parkgate.sim.ControllerSimulator;
import io.parkgate.sim.SimulatorOptions;
import io.parkgate.sim.SimulatorStats;
import io.parkgate.testing.Http.Response;
import io.parkgate.testing.Http;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The legacy text protocol, driven exactly as a person typing into telnet would: the park ID, a
 * ping, an amount. Lines end with \r\n here, as telnet sends them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LegacyProtocolTest {

  private static ParkgateConfig config;
  private static ParkgateNode node;
  private static Http http;

  @BeforeAll
  static void startNode() {
    config = TestNodes.config(TestNodes.newClusterName())
        .legacyPort(0)
        .legacyAllowedParks(List.of("old-*", "lobby"))
        .legacyAllowedSources(List.of("127.0.0.0/8"))
        .legacyQueueLimit(3)
        .build();
    node = TestNodes.start(config);
    http = new Http(node.httpPort());
  }

  @AfterAll
  static void stopNode() {
    TestNodes.close(node);
  }

  private static TestController typeIn(String parkId) throws Exception {
    TestController gate = TestController.connect(node.legacyPort());
    gate.send(parkId + "\r");
    gate.send("{\"type\":\"ping\"}\r");
    assertThat(TestNodes.poll(Duration.ofSeconds(5), () -> http.get("/api/v1/parks/" + parkId).status() == 200))
        .as("legacy park %s online", parkId).isTrue();
    return gate;
  }

  @Test
  void aLegacyConnectionNeverTakesAParkFromATokenAuthenticatedSession() throws Exception {
    // GIVEN park lobby held by a v1 controller with a valid token (lobby is in the legacy allowlist too)
    try (TestController v1 = TestController.online(node.controllerPort(), "lobby");
         TestController legacy = TestController.connect(node.legacyPort())) {
      long v1Epoch = http.get("/api/v1/parks/lobby").json().getLong("epoch");
      // WHEN an unauthenticated legacy connection says it is lobby
      legacy.send("lobby\r");
      // THEN it is closed, and the v1 session still holds the park and answers for it
      assertThat(legacy.awaitClosed(Duration.ofSeconds(10))).as("legacy connection closed").isTrue();
      Response status = http.get("/api/v1/parks/lobby");
      assertThat(status.json().getString("protocol")).isEqualTo("v1");
      assertThat(status.json().getLong("epoch")).isEqualTo(v1Epoch);
      CompletableFuture<Response> fee = http.getAsync("/api/v1/parks/lobby/fee?timeoutMs=5000");
      v1.answer(v1.readRequest("fee.query"), new io.vertx.core.json.JsonObject().put("amount", 300).put("currency", "CNY"));
      assertThat(fee.join().status()).isEqualTo(200);
    }
  }

  @Test
  void aV1HelloTakesAParkFromALegacyConnection() throws Exception {
    // GIVEN park old-9 held by a legacy connection
    try (TestController legacy = typeIn("old-9")) {
      // WHEN a v1 controller with a valid token says hello for it
      try (TestController v1 = TestController.online(node.controllerPort(), "old-9")) {
        // THEN the v1 session holds the park (it answers for it) and the legacy connection is closed
        CompletableFuture<Response> fee = http.getAsync("/api/v1/parks/old-9/fee?timeoutMs=5000");
        v1.answer(v1.readRequest("fee.query"), new io.vertx.core.json.JsonObject().put("amount", 5).put("currency", "CNY"));
        assertThat(fee.join().status()).isEqualTo(200);
        assertThat(TestNodes.poll(Duration.ofSeconds(5),
            () -> "v1".equals(http.get("/api/v1/parks/old-9").json().getString("protocol")))).isTrue();
        assertThat(legacy.awaitClosed(Duration.ofSeconds(10))).as("legacy connection closed").isTrue();
      }
    }
  }

  @Test
  void answersAFeeQueryFromALegacyGateLikeAnyOther() throws Exception {
    try (TestController gate = typeIn("old-1")) {
      Response status = http.get("/api/v1/parks/old-1");
      assertThat(status.json().getString("protocol")).isEqualTo("legacy");
      CompletableFuture<Response> fee = http.getAsync("/api/v1/parks/old-1/fee?timeoutMs=5000");
      assertThat(gate.readText()).isEqualTo("get_amount");
      gate.send("1200\r");
      Response r = fee.join();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().getLong("amount")).isEqualTo(1200L);
      assertThat(r.json().getString("currency")).isEqualTo("CNY");
      assertThat(r.json().getString("parkId")).isEqualTo("old-1");
    }
  }

  @Test
  void sendsOneRequestAtATimeAndQueuesTheRestUpToTheLimit() throws Exception {
    try (TestController gate = typeIn("old-2")) {
      List<CompletableFuture<Response>> calls = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        calls.add(http.getAsync("/api/v1/parks/old-2/fee?timeoutMs=10000"));
      }
      assertThat(gate.readText()).isEqualTo("get_amount");
      assertThat(TestNodes.poll(Duration.ofSeconds(5),
          () -> http.get("/api/v1/parks/old-2").json().getInteger("inFlight") == 3)).isTrue();
      Response busy = http.get("/api/v1/parks/old-2/fee?timeoutMs=10000");
      assertThat(busy.status()).isEqualTo(503);
      assertThat(busy.error()).isEqualTo("GATE_BUSY");
      // each answer releases the next request, never two at once
      gate.send("1");
      assertThat(gate.readText()).isEqualTo("get_amount");
      gate.send("2");
      assertThat(gate.readText()).isEqualTo("get_amount");
      gate.send("3");
      List<Long> amounts = calls.stream().map(CompletableFuture::join).map(r -> r.json().getLong("amount")).toList();
      assertThat(amounts).containsExactlyInAnyOrder(1L, 2L, 3L);
    }
  }

  @Test
  void aLateAnswerIsNeverTakenForTheNextRequest() throws Exception {
    TestController gate = typeIn("old-3");
    CompletableFuture<Response> first = http.getAsync("/api/v1/parks/old-3/fee?timeoutMs=300");
    assertThat(gate.readText()).isEqualTo("get_amount");
    Response timedOut = first.join();
    assertThat(timedOut.error()).isEqualTo("GATE_TIMEOUT");
    // resync rule: the session closes, so the late answer has nowhere to go
    assertThat(gate.awaitClosed(Duration.ofSeconds(3))).isTrue();
    gate.close();
    assertThat(http.get("/api/v1/parks/old-3/fee").error()).isEqualTo("GATE_OFFLINE");
    try (TestController again = typeIn("old-3")) {
      CompletableFuture<Response> next = http.getAsync("/api/v1/parks/old-3/fee?timeoutMs=5000");
      assertThat(again.readText()).isEqualTo("get_amount");
      again.send("77");
      assertThat(next.join().json().getLong("amount")).isEqualTo(77L);
    }
  }

  @Test
  void aGarbageAnswerIsAGateErrorAndTheSessionGoesOn() throws Exception {
    try (TestController gate = typeIn("old-4")) {
      CompletableFuture<Response> garbage = http.getAsync("/api/v1/parks/old-4/fee?timeoutMs=5000");
      assertThat(gate.readText()).isEqualTo("get_amount");
      gate.send("twelve yuan");
      Response r = garbage.join();
      assertThat(r.status()).isEqualTo(502);
      assertThat(r.error()).isEqualTo("GATE_ERROR");
      CompletableFuture<Response> next = http.getAsync("/api/v1/parks/old-4/fee?timeoutMs=5000");
      assertThat(gate.readText()).isEqualTo("get_amount");
      gate.send("5");
      assertThat(next.join().status()).isEqualTo(200);
    }
  }

  @Test
  @SuppressWarnings("try") // the connection only has to be open
  void paymentsToALegacyGateAreNotSupported() throws Exception {
    try (TestController gate = typeIn("lobby")) {
      Response r = http.post("/api/v1/parks/lobby/payments", "{\"paymentId\":\"p1\",\"amount\":100}");
      assertThat(r.status()).isEqualTo(501);
      assertThat(r.error()).isEqualTo("NOT_SUPPORTED");
      // the record says so: rejected at once, nothing was written to the gate
      io.vertx.core.json.JsonObject record = http.get("/api/v1/payments/p1").json();
      assertThat(record.getString("state")).isEqualTo("rejected");
      assertThat(record.getInteger("attempts")).isZero();
    }
  }

  @Test
  void refusesParksOutsideTheAllowlist() throws Exception {
    try (TestController gate = TestController.connect(node.legacyPort())) {
      gate.send("intruder");
      assertThat(gate.awaitClosed(Duration.ofSeconds(3))).isTrue();
    }
    assertThat(http.get("/api/v1/parks/intruder").status()).isEqualTo(404);
  }

  @Test
  void theSimulatorSpeaksLegacyToo() {
    Vertx vertx = Vertx.vertx();
    try {
      SimulatorStats stats = TestNodes.await(ControllerSimulator.deploy(vertx, new SimulatorOptions("127.0.0.1",
          node.legacyPort(), 3, "old-sim", 450, 0, Set.of(), 0, null, true), false));
      assertThat(TestNodes.poll(Duration.ofSeconds(5), () -> http.get("/api/v1/parks/old-sim3").status() == 200)).isTrue();
      Response r = http.get("/api/v1/parks/old-sim3/fee?timeoutMs=5000");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().getLong("amount")).isEqualTo(450L);
      assertThat(stats.answered()).isPositive();
    } finally {
      TestNodes.await(vertx.close());
    }
  }
}
