package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.testing.Http;
import io.parkgate.testing.Http.Response;
import io.parkgate.testing.Metrics;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Operators see why (issue 14): each park's history, cluster-wide, through the events endpoint and
 * the offline status; flapping flagged within its window and cleared after it; two controllers
 * with one park ID reported with both addresses. Two clustered nodes, A (controllers) and B (the
 * reader), plus a third started and killed by the test that needs a dying recorder.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ParkHistoryTest {

  /** Short enough for a test to outwait, long enough for a handful of hellos. */
  static final int WINDOW_S = 3;
  static final int MAX_SESSIONS = 3;

  private static String cluster;
  private static ParkgateNode nodeA;
  private static ParkgateNode nodeB;
  private static Http httpA;
  private static Http httpB;

  @BeforeAll
  static void startCluster() {
    cluster = TestNodes.newClusterName();
    nodeA = TestNodes.start(config().build());
    nodeB = TestNodes.start(config().build());
    httpA = new Http(nodeA.httpPort());
    httpB = new Http(nodeB.httpPort());
  }

  private static io.parkgate.config.ParkgateConfig.Builder config() {
    return TestNodes.config(cluster).flapping(MAX_SESSIONS, WINDOW_S, 0);
  }

  @AfterAll
  static void stopCluster() {
    TestNodes.close(nodeB);
    TestNodes.close(nodeA);
  }

  private static List<JsonObject> events(Http http, String parkId) {
    Response r = http.get("/api/v1/parks/" + parkId + "/events?limit=100");
    assertThat(r.status()).as("events of %s: %s", parkId, r.json()).isEqualTo(200);
    List<JsonObject> out = new ArrayList<>();
    r.json().getJsonArray("items").forEach(o -> out.add((JsonObject) o));
    return out;
  }

  /** Polls until the park's history holds an event matching {@code wanted}; returns the history. */
  private static List<JsonObject> awaitEvent(Http http, String parkId, Predicate<JsonObject> wanted) {
    List<List<JsonObject>> last = new ArrayList<>(List.of(List.of()));
    boolean found = TestNodes.poll(Duration.ofSeconds(10), () -> {
      last.set(0, events(http, parkId));
      return last.get(0).stream().anyMatch(wanted);
    });
    assertThat(found).as("history of %s: %s", parkId, last.get(0)).isTrue();
    return last.get(0);
  }

  private static Predicate<JsonObject> closed(String reason) {
    return e -> "session.closed".equals(e.getString("type")) && reason.equals(e.getString("reason"));
  }

  private static List<String> types(List<JsonObject> events) {
    return events.stream().map(e -> e.getString("type")).toList();
  }

  @Test
  void theEventsTellWhyAParkWentOfflineNewestFirstOnAnyNode() throws Exception {
    // GIVEN a park online on A that once failed to answer in time and then spoke again
    TestController first = TestController.online(nodeA.controllerPort(), "h1");
    Response timedOut = httpB.get("/api/v1/parks/h1/fee?timeoutMs=200");
    assertThat(timedOut.status()).isEqualTo(504);
    assertThat(first.read().getString("method")).isEqualTo("fee.query");
    JsonObject probe = first.read();
    assertThat(probe.getString("method")).isEqualTo("ping");
    first.answer(probe, new JsonObject());
    awaitEvent(httpB, "h1", e -> "park.responsive".equals(e.getString("type")));
    // WHEN a newer controller takes it over from another address, and then goes away
    TestController newer = TestController.connectFrom("127.0.0.2", nodeA.controllerPort());
    TestController.hello(newer, "h1");
    String newerAddress = awaitEvent(httpB, "h1", closed("takeover")).stream().filter(closed("takeover"))
        .findFirst().orElseThrow().getJsonObject("takenOverBy").getString("remoteAddress");
    newer.close();
    List<JsonObject> history = awaitEvent(httpB, "h1", closed("peer_closed"));

    // THEN B reads the whole story, newest first
    assertThat(newerAddress).startsWith("127.0.0.2");
    assertThat(types(history)).containsSubsequence("session.closed", "session.opened", "park.responsive",
        "park.unresponsive", "session.opened");
    assertThat(history.get(0).getString("reason")).isEqualTo("peer_closed");
    assertThat(history.get(0).getString("node")).isEqualTo(nodeA.nodeId());
    assertThat(history.get(0).getBoolean("wasOnline")).isTrue();
    JsonObject unresponsive = history.stream().filter(e -> "park.unresponsive".equals(e.getString("type")))
        .findFirst().orElseThrow();
    assertThat(unresponsive.getString("detail")).contains("fee.query");
    JsonObject reopened = history.stream().filter(e -> e.containsKey("replaced")).findFirst().orElseThrow();
    assertThat(reopened.getString("remoteAddress")).startsWith("127.0.0.2");
    // the status of the offline park answers 404, with the last close
    Response status = httpB.get("/api/v1/parks/h1");
    assertThat(status.status()).isEqualTo(404);
    assertThat(status.json().getBoolean("online")).isFalse();
    assertThat(status.json().getJsonObject("lastClose").getString("reason")).isEqualTo("peer_closed");
    // and the pages walk back with before
    Response page1 = httpB.get("/api/v1/parks/h1/events?limit=2");
    Response page2 = httpB.get("/api/v1/parks/h1/events?limit=2&before=" + page1.json().getLong("next"));
    assertThat(page1.json().getJsonArray("items")).hasSize(2);
    assertThat(page2.json().getJsonArray("items").getJsonObject(0).getLong("seq"))
        .isLessThan(page1.json().getJsonArray("items").getJsonObject(1).getLong("seq"));
    first.close();
  }

  @Test
  void aBadTokenIsRecordedAndRepeatedOnesFoldIntoOneEvent() throws Exception {
    for (int i = 0; i < 3; i++) {
      try (TestController c = TestController.connect(nodeA.controllerPort())) {
        JsonObject answer = c.request("hello", new JsonObject().put("parkId", "h2").put("token", "wrong"));
        assertThat(answer.getJsonObject("error").getInteger("code")).isEqualTo(-32006);
      }
    }
    List<JsonObject> history = awaitEvent(httpB, "h2", e -> closed("auth").test(e) && e.getInteger("count", 1) == 3);
    assertThat(history).hasSize(1);
    assertThat(history.get(0).getBoolean("wasOnline")).isFalse();
  }

  @Test
  void theHistorySurvivesTheNodeThatRecordedItDying() throws Exception {
    // GIVEN a park whose whole history was recorded by node D
    ParkgateNode nodeD = TestNodes.start(config().build());
    try {
      TestController c = TestController.online(nodeD.controllerPort(), "h3");
      awaitEvent(httpB, "h3", e -> "session.opened".equals(e.getString("type")));
      c.close();
      awaitEvent(httpB, "h3", closed("peer_closed"));
    } finally {
      // WHEN D dies (leaves the cluster; its partitions' backups take over)
      TestNodes.close(nodeD);
    }
    // THEN B still answers it, and the offline status names the close
    List<JsonObject> history = events(httpB, "h3");
    assertThat(types(history)).containsExactly("session.closed", "session.opened");
    assertThat(httpB.get("/api/v1/parks/h3").json().getJsonObject("lastClose").getString("reason"))
        .isEqualTo("peer_closed");
  }

  @Test
  void aParkIsFlaggedFlappingWithinItsWindowAndClearedAfterIt() throws Exception {
    // GIVEN more sessions of one park than allowed in the window
    for (int i = 0; i < MAX_SESSIONS; i++) {
      TestController.online(nodeA.controllerPort(), "f1").close();
    }
    assertThat(httpB.get("/api/v1/parks/f1").json().getBoolean("flapping")).isFalse();
    long flappedAt = System.nanoTime();
    TestController last = TestController.online(nodeA.controllerPort(), "f1");
    TestController.online(nodeA.controllerPort(), "f1").close(); // one more: still one flapping event
    last.close();
    TestController stays = TestController.online(nodeA.controllerPort(), "f1");
    // THEN it is flapping in its status and the listing, with one event and one count
    Response status = httpB.get("/api/v1/parks/f1");
    assertThat(status.json().getBoolean("flapping")).as("status %s", status.json()).isTrue();
    assertThat(status.json().getString("state")).isEqualTo("flapping");
    assertThat(TestNodes.poll(Duration.ofSeconds(5), () -> httpB.get("/api/v1/parks?prefix=f1").json()
        .getJsonArray("items").stream().map(JsonObject.class::cast)
        .anyMatch(i -> "f1".equals(i.getString("parkId")) && i.getBoolean("flapping")))).isTrue();
    List<JsonObject> history = awaitEvent(httpB, "f1", e -> "park.flapping".equals(e.getString("type")));
    assertThat(types(history).stream().filter("park.flapping"::equals)).hasSize(1);
    assertThat(Metrics.value(httpA, "parkgate_park_problems_total", "kind", "flapping")).isEqualTo(1.0);
    // AND once the window has passed without new sessions, it is no longer flapping
    assertThat(TestNodes.poll(Duration.ofSeconds(3L * WINDOW_S),
        () -> !httpB.get("/api/v1/parks/f1").json().getBoolean("flapping"))).isTrue();
    assertThat(System.nanoTime() - flappedAt).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(WINDOW_S) - 
        TimeUnit.MILLISECONDS.toNanos(100));
    assertThat(httpB.get("/api/v1/parks/f1").json().getString("state")).isEqualTo("online");
    stays.close();
  }

  @Test
  void twoControllersWithOneParkIdAreReportedWithBothAddresses() throws Exception {
    // GIVEN two controllers on two hosts configured with park d1, taking it from each other
    TestController one = TestController.hello(TestController.connectFrom("127.0.0.3", nodeA.controllerPort()), "d1");
    TestController two = TestController.hello(TestController.connectFrom("127.0.0.4", nodeA.controllerPort()), "d1");
    TestController oneAgain = TestController.hello(TestController.connectFrom("127.0.0.3", nodeA.controllerPort()), "d1");
    // THEN the status names both, and the history has one duplicate event
    Response[] seen = new Response[1];
    assertThat(TestNodes.poll(Duration.ofSeconds(5), () -> {
      seen[0] = httpB.get("/api/v1/parks/d1");
      return seen[0].status() == 200 && seen[0].json().containsKey("duplicateController");
    })).as("status %s", seen[0] == null ? null : seen[0].json()).isTrue();
    Response status = seen[0];
    JsonArray addresses = status.json().getJsonObject("duplicateController").getJsonArray("addresses");
    assertThat(addresses.stream().map(String::valueOf)).anyMatch(a -> a.startsWith("127.0.0.3"))
        .anyMatch(a -> a.startsWith("127.0.0.4"));
    List<JsonObject> history = awaitEvent(httpB, "d1", e -> "controller.duplicate".equals(e.getString("type")));
    assertThat(history.stream().filter(e -> "controller.duplicate".equals(e.getString("type")))).hasSize(1);
    assertThat(status.json().getBoolean("flapping")).isFalse();
    one.close();
    two.close();
    oneAgain.close();
  }

  @Test
  void theClusterViewListsEveryNodeWithItsParksAndReadiness() throws Exception {
    try (TestController online = TestController.online(nodeA.controllerPort(), "v1")) {
      assertThat(online).isNotNull();
      assertThat(TestNodes.poll(Duration.ofSeconds(5), () -> httpB.get("/api/v1/cluster").json()
          .getJsonArray("nodes").stream().map(JsonObject.class::cast)
          .anyMatch(n -> nodeA.nodeId().equals(n.getString("node")) && n.getLong("parks") >= 1))).isTrue();
      JsonObject view = httpB.get("/api/v1/cluster").json();
      assertThat(view.getJsonArray("nodes").stream().map(JsonObject.class::cast).map(n -> n.getString("node")))
          .contains(nodeA.nodeId(), nodeB.nodeId());
      assertThat(view.getJsonArray("nodes").stream().map(JsonObject.class::cast))
          .allSatisfy(n -> assertThat(n.getBoolean("ready")).as("node %s", n).isTrue())
          .filteredOn(n -> n.getBoolean("self")).singleElement()
          .satisfies(n -> assertThat(n.getString("node")).isEqualTo(nodeB.nodeId()));
      assertThat(view.getJsonObject("totals").getInteger("online")).isGreaterThanOrEqualTo(1);
    }
  }

  @Test
  void meTellsAKeyItsScopesAndRefusesAnUnknownKey() {
    JsonObject me = httpB.get("/api/v1/me").json();
    assertThat(me.getString("name")).isEqualTo("tests");
    assertThat(me.getJsonArray("scopes").stream().map(String::valueOf)).contains("parks:read", "fee:read");
    assertThat(new Http(nodeB.httpPort(), "pk_unknown").get("/api/v1/me").status()).isEqualTo(401);
  }
}
