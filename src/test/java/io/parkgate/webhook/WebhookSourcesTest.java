package io.parkgate.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.ParkgateNode;
import io.parkgate.bus.Notification;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.config.Settings;
import io.parkgate.testing.Http;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.parkgate.testing.TestReceiver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Where notifications come from (payment state changes, park lifecycle) and what a bad receiver
 * cannot do (slow down the API, a gate, or another subscription's receiver).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebhookSourcesTest {

  private static final String RUN = Long.toString(System.nanoTime(), 36);
  private static final long TIMEOUT_MS = 10_000;

  private static JsonObject subscription(String name, TestReceiver receiver, String... events) {
    return new JsonObject().put("name", name).put("url", receiver.url()).put("secret", "main")
        .put("events", new JsonArray(List.of((Object[]) events)));
  }

  private static ParkgateConfig config(JsonObject... subscriptions) {
    return TestNodes.config(TestNodes.newClusterName())
        .set(Settings.WEBHOOKS_SUBSCRIPTIONS, new JsonArray(List.of((Object[]) subscriptions)))
        .set(Settings.WEBHOOK_SECRETS, "main=" + WebhookDeliveryContract.SECRET)
        .set(Settings.WEBHOOKS_TIMEOUT_MS, TIMEOUT_MS)
        .build();
  }

  private static List<JsonObject> ofPark(TestReceiver receiver, String parkId) {
    List<JsonObject> out = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (TestReceiver.Received r : receiver.received()) {
      JsonObject n = r.json();
      if (parkId.equals(n.getString("parkId")) && r.status() == 200 && !seen.contains(n.getString("id"))) {
        seen.add(n.getString("id"));
        out.add(n);
      }
    }
    return out;
  }

  @Test
  void paymentStatesAndParkLifecycleAreNotifiedInOrderAndATakeoverIsNoOffline() throws Exception {
    try (TestReceiver receiver = TestReceiver.start()) {
      ParkgateNode node = TestNodes.start(config(subscription("ops-" + RUN, receiver, "payment.*", "park.*")));
      String park = "src-" + RUN;
      String paymentId = "pay-" + RUN;
      try {
        Http http = new Http(node.httpPort());
        // GIVEN a park that comes online and is paid for; its gate confirms the payment
        TestController gate = TestController.online(node.controllerPort(), park);
        CompletableFuture<Http.Response> posted = http.postAsync("/api/v1/parks/" + park + "/payments",
            new JsonObject().put("paymentId", paymentId).put("amount", 700).encode());
        gate.answer(gate.readRequest("payment.notify"), new JsonObject().put("status", "opened"));
        assertThat(posted.get(10, TimeUnit.SECONDS).status()).isLessThan(300);
        // WHEN a newer controller of the same park takes over, then goes away
        TestController newer = TestController.online(node.controllerPort(), park);
        assertThat(gate.awaitClosed(Duration.ofSeconds(10))).isTrue();
        newer.close();
        // THEN the receiver hears, in this order: online, accepted, sent, confirmed, online (replaced), offline
        assertThat(TestNodes.poll(Duration.ofSeconds(20), () -> ofPark(receiver, park).size() >= 6)).isTrue();
        List<JsonObject> heard = ofPark(receiver, park);
        assertThat(heard.stream().map(n -> n.getString("type"))).containsExactly("park.online", "payment.accepted",
            "payment.sent", "payment.confirmed", "park.online", "park.offline");
        assertThat(heard.get(1).getString("id")).isEqualTo("payment:" + paymentId + ":accepted");
        assertThat(heard.get(3).getJsonObject("data").getString("state")).isEqualTo("confirmed");
        assertThat(heard.get(3).getJsonObject("data").getLong("amount")).isEqualTo(700);
        assertThat(heard.get(4).getJsonObject("data").containsKey("replaced")).as("the takeover's online").isTrue();
        assertThat(heard.get(5).getJsonObject("data").getString("reason")).isEqualTo("peer_closed");
        // AND the superseded session's close (reason takeover) was no offline
        assertThat(TestNodes.poll(Duration.ofSeconds(2), () -> ofPark(receiver, park).size() > 6)).isFalse();
      } finally {
        TestNodes.close(node);
      }
    }
  }

  @Test
  void aReceiverThatNeverAnswersSlowsNeitherFeeRequestsNorAnotherSubscriptionsReceiver() throws Exception {
    try (TestReceiver slow = TestReceiver.start(); TestReceiver fast = TestReceiver.start()) {
      slow.mode(TestReceiver.Mode.HANG);
      ParkgateNode node = TestNodes.start(config(subscription("slow-" + RUN, slow, "*"),
          subscription("fast-" + RUN, fast, "*")));
      try (TestController gate = TestController.online(node.controllerPort(), "fee-" + RUN)) {
        Http http = new Http(node.httpPort());
        // GIVEN 40 parks' notifications, more than the slow receiver's slots (16), all hanging there
        long queuedAt = System.nanoTime();
        for (int i = 0; i < 40; i++) {
          TestNodes.await(node.notifier().notify(new Notification("slow-" + RUN + "-" + i, "vehicle.entered",
              System.currentTimeMillis(), "p" + i + "-" + RUN, new JsonObject())));
        }
        // THEN the other subscription's receiver gets all of them long before a POST to the slow one times out
        // (the gate's park.online goes to both as well: only the 40 are counted)
        java.util.function.LongSupplier fastGot = () -> fast.answeredIds().stream().filter(id -> id.startsWith("slow-")).count();
        assertThat(TestNodes.poll(Duration.ofMillis(TIMEOUT_MS / 2), () -> fastGot.getAsLong() == 40))
            .as("fast answered %s, slow received %s", fastGot.getAsLong(), slow.received().size()).isTrue();
        assertThat((System.nanoTime() - queuedAt) / 1_000_000).isLessThan(TIMEOUT_MS / 2);
        assertThat(slow.received()).isNotEmpty();
        // AND the slow receiver has no more POSTs open at once than its slots (none has timed out yet)
        assertThat(slow.received().size()).isLessThanOrEqualTo(16);
        // AND fee requests are answered as quickly as ever, far within the webhook timeout
        for (int i = 0; i < 20; i++) {
          CompletableFuture<Http.Response> fee = http.getAsync("/api/v1/parks/fee-" + RUN + "/fee");
          gate.answer(gate.readRequest("fee.query"), new JsonObject().put("amount", 300).put("currency", "CNY"));
          Http.Response answered = fee.get(5, TimeUnit.SECONDS);
          assertThat(answered.status()).isEqualTo(200);
          assertThat(answered.elapsedMs()).isLessThan(TIMEOUT_MS / 10);
        }
      } finally {
        TestNodes.close(node);
      }
    }
  }
}
