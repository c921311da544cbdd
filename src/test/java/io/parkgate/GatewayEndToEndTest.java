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
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The gateway core end to end on one real clustered node: HTTP in, event bus, controller socket out.
 * Controllers are real sockets (the simulator, or a scripted {@link TestController}).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayEndToEndTest {

  private static ParkgateConfig config;
  private static ParkgateNode node;
  private static Http http;
  private static Vertx clients;

  /** {@code clients}, the simulator's Vert.x, is the VertxExtension's (not clustered; closed by it). */
  @BeforeAll
  static void startNode(Vertx vertx) {
    config = TestNodes.config(TestNodes.newClusterName()).maxInFlightPerPark(128).build();
    node = TestNodes.start(config);
    http = new Http(node.httpPort());
    clients = vertx;
  }

  @AfterAll
  static void stopNode() {
    TestNodes.close(node);
  }

  private static SimulatorStats simulate(String prefix, int gates, Set<String> blackhole) {
    SimulatorOptions options = new SimulatorOptions("127.0.0.1", node.controllerPort(), gates, prefix, 800, 0,
        blackhole, 0, TestNodes.TOKEN_SECRET, false);
    SimulatorStats stats = TestNodes.await(ControllerSimulator.deploy(clients, options, false));
    assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> stats.connected() == gates))
        .as("all %d simulated gates online", gates).isTrue();
    return stats;
  }

  private static List<Response> joinAll(List<CompletableFuture<Response>> calls) {
    return calls.stream().map(CompletableFuture::join).toList();
  }

  @Test
  void paymentsPostedWhileTheirGatesAreOfflineAreDeliveredOnceEachWhenTheyConnect() {
    // GIVEN 20 payments for 5 parks whose controllers are not connected
    List<CompletableFuture<Response>> posts = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      posts.add(http.postAsync("/api/v1/parks/po" + (1 + i % 5) + "/payments?timeoutMs=200",
          new JsonObject().put("paymentId", "offline-" + i).put("amount", 100 + i).encode()));
    }
    assertThat(joinAll(posts)).extracting(Response::status).containsOnly(202);
    // WHEN the simulated controllers connect
    SimulatorStats gates = simulate("po", 5, Set.of());
    // THEN every payment is confirmed, each gate heard of each payment once, and no barrier opened twice
    assertThat(TestNodes.poll(Duration.ofSeconds(20), () -> java.util.stream.IntStream.range(0, 20)
        .allMatch(i -> "confirmed".equals(http.get("/api/v1/payments/offline-" + i).json().getString("state")))))
        .as("all 20 confirmed").isTrue();
    for (int i = 0; i < 20; i++) {
      assertThat(gates.openings("offline-" + i)).as("barrier openings for offline-%d", i).isEqualTo(1);
    }
    assertThat(gates.openedTwice()).isZero();
  }

  @Test
  void healthyParksAnswerPromptlyWhileABlackholedParkHasFiftyRequestsWaiting() {
    // GIVEN nine healthy parks and one whose network silently dropped right after hello
    simulate("h", 10, Set.of("h10"));
    long timeoutMs = 5_000;
    long healthyTimeoutMs = 10_000;
    joinAll(java.util.stream.IntStream.range(0, 100)
        .mapToObj(i -> http.getAsync("/api/v1/parks/h" + (1 + i % 9) + "/fee")).toList()); // warm up

    // WHEN 50 requests wait on the silent park and 500 go to the healthy ones at the same time
    List<CompletableFuture<Response>> silent = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      silent.add(http.getAsync("/api/v1/parks/h10/fee?timeoutMs=" + timeoutMs));
    }
    List<CompletableFuture<Response>> healthy = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      healthy.add(http.getAsync("/api/v1/parks/h" + (1 + i % 9) + "/fee?plate=P" + i + "&timeoutMs=" + healthyTimeoutMs));
    }

    // THEN every healthy request succeeds with its own answer, well within its timeout and sooner
    // than the silent park's timeout (which is what waiting behind it would cost)
    List<Response> healthyAnswers = joinAll(healthy);
    for (int i = 0; i < healthyAnswers.size(); i++) {
      Response r = healthyAnswers.get(i);
      assertThat(r.status()).as("healthy request %d: %s", i, r.json()).isEqualTo(200);
      assertThat(r.json().getString("plate")).isEqualTo("P" + i);
      assertThat(r.json().getLong("amount")).isEqualTo(800L);
      assertThat(r.elapsedMs()).as("healthy request %d latency", i).isLessThan(Math.min(healthyTimeoutMs / 2, timeoutMs));
    }
    // AND the silent park's requests end with a typed error, none later than half its timeout again
    for (Response r : joinAll(silent)) {
      assertThat(r.status()).isIn(503, 504);
      assertThat(r.error()).isIn("GATE_TIMEOUT", "GATE_UNRESPONSIVE");
      assertThat(r.elapsedMs()).isLessThan(timeoutMs * 3 / 2);
    }
    // AND once it has timed out, the next request to it fails at once: in a tenth of its timeout
    Response next = http.get("/api/v1/parks/h10/fee?timeoutMs=" + healthyTimeoutMs);
    assertThat(next.error()).isEqualTo("GATE_UNRESPONSIVE");
    assertThat(next.elapsedMs()).isLessThan(healthyTimeoutMs / 10);
  }

  @Test
  void answersEachOfAHundredConcurrentQueriesWithItsOwnResult() throws Exception {
    try (TestController gate = TestController.online(node.controllerPort(), "c100")) {
      List<CompletableFuture<Response>> calls = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        calls.add(http.getAsync("/api/v1/parks/c100/fee?plate=P" + i + "&timeoutMs=10000"));
      }
      List<JsonObject> requests = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        requests.add(gate.readRequest("fee.query"));
      }
      // answer in reverse order of arrival: matching must go by id, not by order
      Collections.reverse(requests);
      for (JsonObject request : requests) {
        String plate = request.getJsonObject("params").getString("plate");
        gate.answer(request, new JsonObject().put("amount", Integer.parseInt(plate.substring(1)))
            .put("currency", "CNY").put("plate", plate));
      }
      List<Response> answers = joinAll(calls);
      for (int i = 0; i < 100; i++) {
        assertThat(answers.get(i).status()).isEqualTo(200);
        assertThat(answers.get(i).json().getString("plate")).isEqualTo("P" + i);
        assertThat(answers.get(i).json().getLong("amount")).isEqualTo((long) i);
      }
    }
  }

  @Test
  void failsWaitingRequestsAtOnceWhenTheSocketCloses() throws Exception {
    // GIVEN five requests waiting on a controller
    long timeoutMs = 20_000;
    TestController gate = TestController.online(node.controllerPort(), "c-close");
    List<CompletableFuture<Response>> calls = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      calls.add(http.getAsync("/api/v1/parks/c-close/fee?timeoutMs=" + timeoutMs));
    }
    for (int i = 0; i < 5; i++) {
      gate.readRequest("fee.query");
    }
    // WHEN its socket closes
    long closedAt = System.nanoTime();
    gate.close();
    // THEN every one fails GATE_OFFLINE at once: in a tenth of its timeout, not at the timeout
    for (Response r : joinAll(calls)) {
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.error()).isEqualTo("GATE_OFFLINE");
    }
    long afterCloseMs = (System.nanoTime() - closedAt) / 1_000_000;
    assertThat(afterCloseMs).as("time from socket close to all answers").isLessThan(timeoutMs / 10);
  }

  @Test
  void unknownParkAnswersOfflineAtOnce() {
    // WHEN a caller asks for a park nobody holds
    long timeoutMs = 10_000;
    Response fee = http.get("/api/v1/parks/nobody-here/fee?timeoutMs=" + timeoutMs);
    // THEN it is offline at once: in a tenth of the request's timeout
    assertThat(fee.status()).isEqualTo(503);
    assertThat(fee.error()).isEqualTo("GATE_OFFLINE");
    assertThat(fee.elapsedMs()).isLessThan(timeoutMs / 10);
    Response status = http.get("/api/v1/parks/nobody-here");
    assertThat(status.status()).isEqualTo(404);
    assertThat(status.error()).isEqualTo("NOT_FOUND");
  }

  @Test
  void afterATimeoutTheParkFailsFastUntilItSpeaksAgain() throws Exception {
    try (TestController gate = TestController.online(node.controllerPort(), "c-slow")) {
      // GIVEN a request the controller never answers
      long slowTimeoutMs = 300;
      CompletableFuture<Response> first = http.getAsync("/api/v1/parks/c-slow/fee?plate=OLD&timeoutMs=" + slowTimeoutMs);
      JsonObject unanswered = gate.readRequest("fee.query");
      Response timedOut = first.join();
      // THEN it ends at its timeout (seen as early as 278 ms of 300 on the caller's clock)
      assertThat(timedOut.status()).isEqualTo(504);
      assertThat(timedOut.error()).isEqualTo("GATE_TIMEOUT");
      assertThat(timedOut.elapsedMs()).isBetween(slowTimeoutMs * 3 / 4, 5 * slowTimeoutMs);
      // AND the server asks the controller whether it is alive
      assertThat(gate.read().getString("method")).isEqualTo("ping");
      // AND further requests fail at once: in a tenth of their timeout
      long timeoutMs = 10_000;
      Response fast = http.get("/api/v1/parks/c-slow/fee?timeoutMs=" + timeoutMs);
      assertThat(fast.status()).isEqualTo(503);
      assertThat(fast.error()).isEqualTo("GATE_UNRESPONSIVE");
      assertThat(fast.elapsedMs()).isLessThan(timeoutMs / 10);
      // WHEN the controller speaks again (a late answer to the expired request)
      gate.answer(unanswered, new JsonObject().put("amount", 1).put("currency", "CNY").put("plate", "OLD"));
      // THEN the park recovers, and the late answer never answers the new request
      CompletableFuture<Response> next = http.getAsync("/api/v1/parks/c-slow/fee?plate=NEW&timeoutMs=5000");
      JsonObject request = gate.readRequest("fee.query");
      assertThat(request.getValue("id")).isNotEqualTo(unanswered.getValue("id"));
      gate.answer(request, new JsonObject().put("amount", 2).put("currency", "CNY").put("plate", "NEW"));
      Response recovered = next.join();
      assertThat(recovered.status()).isEqualTo(200);
      assertThat(recovered.json().getString("plate")).isEqualTo("NEW");
      assertThat(recovered.json().getLong("amount")).isEqualTo(2L);
    }
  }

  @Test
  void capsRequestsInFlightPerPark() throws Exception {
    long timeoutMs = 10_000;
    try (TestController gate = TestController.online(node.controllerPort(), "c-busy")) {
      // GIVEN a park with as many requests waiting as it may have
      List<CompletableFuture<Response>> waiting = new ArrayList<>();
      for (int i = 0; i < config.maxInFlightPerPark(); i++) {
        waiting.add(http.getAsync("/api/v1/parks/c-busy/fee?timeoutMs=" + timeoutMs));
      }
      List<JsonObject> requests = new ArrayList<>();
      for (int i = 0; i < config.maxInFlightPerPark(); i++) {
        requests.add(gate.readRequest("fee.query"));
      }
      // WHEN one more comes, THEN it is refused GATE_BUSY at once: in a tenth of its timeout
      Response busy = http.get("/api/v1/parks/c-busy/fee?timeoutMs=" + timeoutMs);
      assertThat(busy.status()).isEqualTo(503);
      assertThat(busy.error()).isEqualTo("GATE_BUSY");
      assertThat(busy.elapsedMs()).isLessThan(timeoutMs / 10);
      // AND the waiting ones are all answered
      for (JsonObject request : requests) {
        gate.answer(request, new JsonObject().put("amount", 5).put("currency", "CNY"));
      }
      assertThat(joinAll(waiting)).allMatch(r -> r.status() == 200);
    }
  }

  @Test
  void forwardsAPaymentAndReturnsTheGateStatus() throws Exception {
    try (TestController gate = TestController.online(node.controllerPort(), "c-pay")) {
      CompletableFuture<Response> call = http.postAsync("/api/v1/parks/c-pay/payments",
          "{\"paymentId\":\"tx-1\",\"amount\":800,\"plate\":\"ABC\",\"lane\":\"1\"}");
      JsonObject request = gate.readRequest("payment.notify");
      JsonObject params = request.getJsonObject("params");
      // validUntil: the default validity (600 s) from now; attempt: the first
      assertThat(java.time.Instant.parse(params.getString("validUntil"))).isAfter(java.time.Instant.now().plusSeconds(590));
      assertThat(params.copy().put("validUntil", "-")).isEqualTo(new JsonObject()
          .put("paymentId", "tx-1").put("amount", 800).put("validUntil", "-").put("attempt", 1)
          .put("lane", "1").put("plate", "ABC"));
      gate.answer(request, new JsonObject().put("status", "opened"));
      Response r = call.join();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json()).isEqualTo(new JsonObject().put("status", "opened").put("parkId", "c-pay").put("paymentId", "tx-1")
          .put("state", "confirmed"));
    }
  }

  @Test
  void passesTheControllersErrorOnAsGateError() throws Exception {
    try (TestController gate = TestController.online(node.controllerPort(), "c-err")) {
      CompletableFuture<Response> call = http.getAsync("/api/v1/parks/c-err/fee?timeoutMs=5000");
      gate.answerError(gate.readRequest("fee.query"), 17, "lane closed");
      Response r = call.join();
      assertThat(r.status()).isEqualTo(502);
      assertThat(r.error()).isEqualTo("GATE_ERROR");
      assertThat(r.json().getInteger("gateCode")).isEqualTo(17);
      assertThat(r.json().getString("gateMessage")).isEqualTo("lane closed");

      CompletableFuture<Response> malformed = http.getAsync("/api/v1/parks/c-err/fee?timeoutMs=5000");
      gate.answer(gate.readRequest("fee.query"), new JsonObject().put("amount", "eight").put("currency", "CNY"));
      assertThat(malformed.join().error()).isEqualTo("GATE_ERROR");
    }
  }

  @Test
  void closesTheConnectionOnAnOversizedLine() throws Exception {
    try (TestController gate = TestController.online(node.controllerPort(), "c-big")) {
      byte[] line = new byte[config.maxLineBytes() + 100];
      java.util.Arrays.fill(line, (byte) 'x');
      gate.sendRaw(line);
      JsonObject error = gate.read();
      assertThat(error.getJsonObject("error").getInteger("code")).isEqualTo(-32001);
      assertThat(gate.awaitClosed(Duration.ofSeconds(3))).isTrue();
      assertThat(TestNodes.poll(Duration.ofSeconds(3), () -> http.get("/api/v1/parks/c-big").status() == 404)).isTrue();
    }
  }

  @Test
  void closesTheConnectionOnANonJsonLine() throws Exception {
    try (TestController gate = TestController.online(node.controllerPort(), "c-junk")) {
      gate.send("this is not json");
      assertThat(gate.read().getJsonObject("error").getInteger("code")).isEqualTo(-32700);
      assertThat(gate.awaitClosed(Duration.ofSeconds(3))).isTrue();
    }
    try (TestController gate = TestController.online(node.controllerPort(), "c-utf8")) {
      gate.sendRaw(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'});
      assertThat(gate.read().getJsonObject("error").getInteger("code")).isEqualTo(-32700);
      assertThat(gate.awaitClosed(Duration.ofSeconds(3))).isTrue();
    }
  }

  @Test
  void refusesABadHelloOrAFirstMessageOtherThanHello() throws Exception {
    try (TestController gate = TestController.connect(node.controllerPort())) {
      JsonObject answer = gate.request("hello", new JsonObject().put("parkId", "bad id!").put("token", "t"));
      assertThat(answer.getJsonObject("error").getInteger("code")).isEqualTo(-32602);
      assertThat(gate.awaitClosed(Duration.ofSeconds(3))).isTrue();
    }
    try (TestController gate = TestController.connect(node.controllerPort())) {
      JsonObject answer = gate.request("ping", new JsonObject());
      assertThat(answer.getJsonObject("error").getInteger("code")).isEqualTo(-32002);
      assertThat(gate.awaitClosed(Duration.ofSeconds(3))).isTrue();
    }
  }

  @Test
  void theSimulatorSpreadsItsConnectionsOverSourceAddresses() {
    SimulatorOptions options = new SimulatorOptions("127.0.0.1", node.controllerPort(), 4, "src", 800, 0, Set.of(), 0,
        TestNodes.TOKEN_SECRET, false, null, List.of("127.0.0.2", "127.0.0.3"));
    TestNodes.await(ControllerSimulator.deploy(clients, options, false));
    assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> http.get("/api/v1/parks/src4").status() == 200)).isTrue();
    java.util.Set<String> sources = new java.util.HashSet<>();
    for (int i = 1; i <= 4; i++) {
      String remote = http.get("/api/v1/parks/src" + i).json().getString("remoteAddress");
      sources.add(remote.substring(0, remote.indexOf(':')));
    }
    assertThat(sources).containsExactlyInAnyOrder("127.0.0.2", "127.0.0.3");
  }

  @Test
  void exposesPrometheusMetricsWithoutParkIds() throws Exception {
    try (TestController gate = TestController.online(node.controllerPort(), "c-metrics")) {
      CompletableFuture<Response> call = http.getAsync("/api/v1/parks/c-metrics/fee?timeoutMs=5000");
      gate.answer(gate.readRequest("fee.query"), new JsonObject().put("amount", 1).put("currency", "CNY"));
      assertThat(call.join().status()).isEqualTo(200);
      http.get("/api/v1/parks/c-metrics-nowhere/fee");
      String metrics = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + node.httpPort() + "/metrics")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics)
          .contains("parkgate_parks_online")
          .contains("parkgate_sessions_opened_total{protocol=\"v1\"}")
          .containsPattern("parkgate_requests_total\\{method=\"fee.query\",outcome=\"ok\"\\} [1-9]")
          .containsPattern("parkgate_requests_total\\{method=\"fee.query\",outcome=\"offline\"\\} [1-9]")
          .contains("parkgate_request_duration_seconds_bucket")
          .contains("parkgate_requests_in_flight")
          .contains("vertx_http_server_requests_total")
          .doesNotContain("c-metrics");
    }
  }

  @Test
  void rejectsMalformedHttpInputWithTypedErrors() {
    assertThat(http.get("/api/v1/parks/g1/fee?timeoutMs=0").error()).isEqualTo("BAD_REQUEST");
    assertThat(http.get("/api/v1/parks/g1/fee?timeoutMs=999999").error()).isEqualTo("BAD_REQUEST");
    assertThat(http.get("/api/v1/parks/a%20b/fee").status()).isEqualTo(400);
    assertThat(http.post("/api/v1/parks/g1/payments", "{not json").status()).isEqualTo(400);
    assertThat(http.post("/api/v1/parks/g1/payments", "{\"amount\":5}").error()).isEqualTo("BAD_REQUEST");
    assertThat(http.post("/api/v1/parks/g1/payments", "{\"paymentId\":\"x\",\"amount\":1.5}").error()).isEqualTo("BAD_REQUEST");
    String big = "{\"paymentId\":\"" + "x".repeat(config.maxBodyBytes()) + "\",\"amount\":1}";
    Response tooLarge = http.post("/api/v1/parks/g1/payments", big);
    assertThat(tooLarge.status()).isEqualTo(413);
    assertThat(tooLarge.error()).isEqualTo("PAYLOAD_TOO_LARGE");
    assertThat(http.get("/no/such/path").status()).isEqualTo(404);
  }
}
