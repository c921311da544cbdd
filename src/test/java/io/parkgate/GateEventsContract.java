package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.config.ParkgateConfig;
import io.parkgate.config.Settings;
import io.parkgate.protocol.RpcError;
import io.parkgate.testing.Http;
import io.parkgate.testing.Metrics;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.parkgate.testing.TestPostgres;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Gate → cloud (issue 18 item 1): {@code event.report} is answered once the event is stored, a
 * repeat is answered the same and stored once (also on another node, after the first one left),
 * bad params are refused without closing, a connection past its in-flight bound is refused at once
 * (flow control), and stored events are listed by the park's events endpoint. Two clustered nodes,
 * started by each store's subclass ({@link GateEventsTest}: the cluster store,
 * {@link GateEventsOnPostgresTest}: postgres) in its own {@code @BeforeAll}: this class has none,
 * since JUnit runs a superclass's static {@code @BeforeAll} even when a subclass declares one of the
 * same name, and the superclass's cluster was then never closed (its members kept ports 5701+ and
 * every later cluster test failed to form its cluster).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class GateEventsContract {

  static final int MAX_IN_FLIGHT = 2;
  /** A connection's events stored per second at most: 20 ms apart, long enough to measure. */
  static final int MAX_PER_SECOND = 50;

  static String cluster;
  static ParkgateNode nodeA;
  static ParkgateNode nodeB;
  static Http httpB;
  static UnaryOperator<ParkgateConfig.Builder> storeConfig;

  static void startCluster(UnaryOperator<ParkgateConfig.Builder> store) {
    storeConfig = store;
    cluster = TestNodes.newClusterName();
    nodeA = TestNodes.start(config(store).build());
    nodeB = TestNodes.start(config(store).build());
    httpB = new Http(nodeB.httpPort());
  }

  private static ParkgateConfig.Builder config(UnaryOperator<ParkgateConfig.Builder> store) {
    return store.apply(TestNodes.config(cluster).set(Settings.EVENTS_MAX_IN_FLIGHT_PER_CONNECTION, MAX_IN_FLIGHT)
        .set(Settings.EVENTS_MAX_PER_SECOND_PER_CONNECTION, MAX_PER_SECOND));
  }

  @AfterAll
  static void stop() {
    TestNodes.close(nodeB);
    TestNodes.close(nodeA);
  }

  static String unique(String prefix) {
    return prefix + "-" + System.nanoTime();
  }

  static JsonObject entered(String eventId, String plate) {
    return new JsonObject().put("eventId", eventId).put("type", "vehicle.entered").put("at", "2026-12-03T08:15:00Z")
        .put("lane", "in-1").put("plate", plate);
  }

  static List<JsonObject> gateEvents(Http http, String parkId) {
    Http.Response r = http.get("/api/v1/parks/" + parkId + "/events?limit=100");
    assertThat(r.status()).as("events of %s: %s", parkId, r.json()).isEqualTo(200);
    List<JsonObject> out = new ArrayList<>();
    r.json().getJsonArray("items").forEach(o -> {
      JsonObject e = (JsonObject) o;
      if ("gate".equals(e.getString("source"))) {
        out.add(e);
      }
    });
    return out;
  }

  @Test
  void anEventIsAcknowledgedOnceStoredAndARepeatIsAnsweredTheSameAndStoredOnce() throws IOException {
    String park = unique("entry");
    try (TestController gate = TestController.online(nodeA.controllerPort(), park)) {
      JsonObject first = gate.request("event.report", entered("A-1", "SH-A12345"));
      assertThat(first.getJsonObject("result")).as("answer %s", first).isNotNull();
      assertThat(first.getJsonObject("result").getString("eventId")).isEqualTo("A-1");
      assertThat(first.getJsonObject("result").getString("receivedAt")).isNotBlank();
      // the same eventId with other fields: still the first event, answered the same
      JsonObject again = gate.request("event.report", entered("A-1", "OTHER"));
      assertThat(again.getJsonObject("result")).isEqualTo(first.getJsonObject("result"));
      // listed by any node, once, with its fields
      assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> gateEvents(httpB, park).size() == 1)).isTrue();
      JsonObject listed = gateEvents(httpB, park).get(0);
      assertThat(listed.getString("type")).isEqualTo("vehicle.entered");
      assertThat(listed.getString("plate")).isEqualTo("SH-A12345");
      assertThat(listed.getString("lane")).isEqualTo("in-1");
      assertThat(listed.getString("eventId")).isEqualTo("A-1");
      assertThat(listed.getString("at")).isEqualTo("2026-12-03T08:15:00Z");
      assertThat(listed.getString("receivedAt")).isEqualTo(first.getJsonObject("result").getString("receivedAt"));
    }
  }

  @Test
  void badParamsAreRefusedWithInvalidParamsAndTheConnectionStaysOpen() throws IOException {
    String park = unique("bad");
    try (TestController gate = TestController.online(nodeA.controllerPort(), park)) {
      List<JsonObject> bad = List.of(
          new JsonObject().put("type", "vehicle.entered").put("at", "2026-12-03T08:15:00Z"),
          entered("B-1", "X").put("type", "vehicle.teleported"),
          entered("B-2", "X").put("at", "yesterday"),
          entered("has space", "X"),
          entered("B-3", "X").put("type", "payment.offline"),
          entered("B-4", "X").put("type", "payment.offline").put("data", new JsonObject().put("paymentId", "p").put("amount", -1)),
          entered("B-5", "X").put("data", "not an object"));
      for (JsonObject params : bad) {
        JsonObject answer = gate.request("event.report", params);
        assertThat(answer.getJsonObject("error")).as("answer to %s: %s", params, answer).isNotNull();
        assertThat(answer.getJsonObject("error").getInteger("code")).isEqualTo(RpcError.INVALID_PARAMS);
      }
      JsonObject ok = gate.request("event.report", entered("B-6", "X").put("type", "payment.offline")
          .put("data", new JsonObject().put("paymentId", "gate-p-1").put("amount", 500).put("currency", "CNY")));
      assertThat(ok.getJsonObject("result")).as("answer %s", ok).isNotNull();
      assertThat(gateEvents(httpB, park)).extracting(e -> e.getString("eventId")).containsExactly("B-6");
    }
  }

  @Test
  void reportsBeyondTheInFlightBoundAreRefusedAtOnceAndTheRestStoredInOrder() throws IOException {
    String park = unique("flow");
    int sent = 10 * MAX_IN_FLIGHT;
    try (TestController gate = TestController.online(nodeA.controllerPort(), park)) {
      // all in one write: the node reads them in one go, before any store operation can complete
      StringBuilder burst = new StringBuilder();
      for (int i = 0; i < sent; i++) {
        burst.append(new JsonObject().put("jsonrpc", "2.0").put("id", "r" + i).put("method", "event.report")
            .put("params", entered("F-" + i, "P" + i)).encode()).append('\n');
      }
      gate.sendRaw(burst.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      List<String> stored = new ArrayList<>();
      int busy = 0;
      for (int i = 0; i < sent; i++) {
        JsonObject answer = gate.read();
        if (answer.containsKey("result")) {
          stored.add(answer.getJsonObject("result").getString("eventId"));
        } else {
          assertThat(answer.getJsonObject("error").getInteger("code")).as("answer %s", answer)
              .isEqualTo(RpcError.EVENTS_BUSY);
          assertThat(answer.getJsonObject("error").getJsonObject("data").getInteger("maxEventsInFlight"))
              .isEqualTo(MAX_IN_FLIGHT);
          busy++;
        }
      }
      assertThat(busy).as("refused beyond the bound").isGreaterThan(0);
      assertThat(stored.size()).isLessThan(sent);
      // stored in the order sent
      List<String> sorted = new ArrayList<>(stored);
      sorted.sort(java.util.Comparator.comparingInt(id -> Integer.parseInt(id.substring(2))));
      assertThat(stored).isEqualTo(sorted);
      // the connection still works
      assertThat(gate.request("event.report", entered("F-last", "P")).getJsonObject("result")).isNotNull();
    }
  }

  @Test
  void oneConnectionsEventsAreStoredNoFasterThanItsPaceEvenOneAtATime() throws IOException {
    String park = unique("paced");
    int n = 11;
    try (TestController gate = TestController.online(nodeA.controllerPort(), park)) {
      gate.request("event.report", entered("P-0", "X")); // the pace counts from the first one stored
      long started = System.nanoTime();
      for (int i = 1; i < n; i++) {
        assertThat(gate.request("event.report", entered("P-" + i, "X")).getJsonObject("result")).isNotNull();
      }
      long tookMs = (System.nanoTime() - started) / 1_000_000;
      // n - 1 more, each at least 1/MAX_PER_SECOND after the one before (a 10 % allowance for timer rounding)
      assertThat(tookMs).as("%s events took %s ms", n - 1, tookMs)
          .isGreaterThanOrEqualTo((long) (0.9 * (n - 1) * 1000 / MAX_PER_SECOND));
    }
  }

  @Test
  void aRepeatSentToAnotherNodeAfterTheFirstLeftIsAnsweredTheSame() throws IOException {
    String park = unique("moved");
    ParkgateNode third = TestNodes.start(config(storeConfig).build());
    JsonObject first;
    try (TestController gate = TestController.online(third.controllerPort(), park)) {
      first = gate.request("event.report", entered("M-1", "SH-M1")).getJsonObject("result");
      assertThat(first).isNotNull();
    } finally {
      TestNodes.close(third);
    }
    try (TestController gate = TestController.online(nodeB.controllerPort(), park)) {
      assertThat(gate.request("event.report", entered("M-1", "SH-M1")).getJsonObject("result")).isEqualTo(first);
    }
    assertThat(gateEvents(httpB, park)).hasSize(1);
  }

  @Test
  void storedEventsAreCountedByTypeAndRepeatsApart() throws IOException {
    String park = unique("counted");
    try (TestController gate = TestController.online(nodeA.controllerPort(), park)) {
      double before = Metrics.value(new Http(nodeA.httpPort()), "parkgate_gate_events_total", "outcome=\"stored\"", "type=\"barrier.opened\"");
      JsonObject opened = entered("C-1", "X").put("type", "barrier.opened");
      gate.request("event.report", opened);
      gate.request("event.report", opened);
      assertThat(Metrics.value(new Http(nodeA.httpPort()), "parkgate_gate_events_total", "outcome=\"stored\"", "type=\"barrier.opened\""))
          .isEqualTo(before + 1);
      assertThat(Metrics.value(new Http(nodeA.httpPort()), "parkgate_gate_events_total", "outcome=\"duplicate\"")).isGreaterThanOrEqualTo(1);
    }
  }

  @Test
  void aSimulatedGatesBacklogIsStoredInFullAndOnceWhileTheRateKeepsComing() {
    String prefix = unique("sim") + "-";
    int backlog = 150;
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      double before = storedVehicleEvents();
      io.parkgate.sim.SimulatorStats gates = TestNodes.await(io.parkgate.sim.ControllerSimulator.deploy(vertx,
          new io.parkgate.sim.SimulatorOptions("127.0.0.1", nodeA.controllerPort(), 2, prefix, 800, 0, java.util.Set.of(),
              0, TestNodes.TOKEN_SECRET, false, null, List.of()).withEvents(20, backlog), false));
      assertThat(TestNodes.poll(Duration.ofSeconds(60), () -> gates.eventsStored() >= backlog && gates.eventsWaiting() < 5))
          .as("stored %s, waiting %s", gates.eventsStored(), gates.eventsWaiting()).isTrue();
      // every acknowledged event was stored by the node exactly once (the store counts creations only)
      assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> storedVehicleEvents() - before == gates.eventsStored()))
          .as("node stored %s, gates acknowledged %s", storedVehicleEvents() - before, gates.eventsStored()).isTrue();
      assertThat(gateEvents(httpB, prefix + "1")).hasSize(100);
    } finally {
      vertx.close();
    }
  }

  private static double storedVehicleEvents() {
    Http http = new Http(nodeA.httpPort());
    return Metrics.value(http, "parkgate_gate_events_total", "outcome=\"stored\"", "type=\"vehicle.entered\"")
        + Metrics.value(http, "parkgate_gate_events_total", "outcome=\"stored\"", "type=\"vehicle.exited\"");
  }
}
