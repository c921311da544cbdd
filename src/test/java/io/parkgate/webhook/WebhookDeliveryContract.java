package io.parkgate.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.ParkgateNode;
import io.parkgate.bus.Notification;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.config.Settings;
import io.parkgate.testing.Http;
import io.parkgate.testing.Metrics;
import io.parkgate.testing.TestNodes;
import io.parkgate.testing.TestReceiver;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What webhook delivery promises, whichever store holds the outbox: nothing lost while the receiver
 * is down, order kept per park, repeats only with the same id, every POST verifiable with the
 * documented recipe, dead letters after webhooks.maxRetryS and re-sent on request. Each store's
 * subclass says how its node is configured.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
abstract class WebhookDeliveryContract {

  static final String SECRET = "whsec-test-0123456789abcdef";
  /** Names unique per run: the postgres outbox outlives runs. */
  static final String RUN = Long.toString(System.nanoTime(), 36);

  /** The store's settings on top of the test defaults. */
  abstract ParkgateConfig.Builder store(ParkgateConfig.Builder builder);

  ParkgateConfig config(String subscription, TestReceiver receiver, int maxRetryS) {
    JsonArray subs = new JsonArray().add(new JsonObject().put("name", subscription).put("url", receiver.url())
        .put("secret", "main").put("events", new JsonArray().add("*")));
    return store(TestNodes.config(TestNodes.newClusterName()))
        .set(Settings.WEBHOOKS_SUBSCRIPTIONS, subs)
        .set(Settings.WEBHOOK_SECRETS, "main=" + SECRET)
        // many retries within the test's outage: 20 ms doubling to at most 200 ms
        .set(Settings.WEBHOOKS_FIRST_RETRY_MS, 20L)
        .set(Settings.WEBHOOKS_MAX_BACKOFF_S, 1)
        .set(Settings.WEBHOOKS_TIMEOUT_MS, 2_000L)
        .set(Settings.WEBHOOKS_MAX_RETRY_S, maxRetryS)
        .build();
  }

  static Notification event(String parkId, int n) {
    return new Notification("evt-" + RUN + "-" + parkId + "-" + n, "vehicle.entered", System.currentTimeMillis(), parkId,
        new JsonObject().put("n", n));
  }

  @Test
  void nothingIsLostWhileTheReceiverIsDownOrderIsKeptPerParkAndRepeatsKeepTheirId() throws Exception {
    try (TestReceiver receiver = TestReceiver.start()) {
      ParkgateNode node = TestNodes.start(config("lossless-" + RUN, receiver, 3_600));
      try {
        Http http = new Http(node.httpPort());
        // GIVEN the receiver is down (nothing listens on its port)
        receiver.down();
        // WHEN 3 parks have 20 notifications each, queued one after the other as a gate's events are
        List<String> parks = List.of("wh-a-" + RUN, "wh-b-" + RUN, "wh-c-" + RUN);
        for (int n = 0; n < 20; n++) {
          for (String park : parks) {
            TestNodes.await(node.notifier().notify(event(park, n)));
          }
        }
        // AND it stays down for many retries (the backoff is shortened so they happen within the outage),
        // then answers 500 for a while, then 200
        assertThat(TestNodes.poll(Duration.ofSeconds(60),
            () -> Metrics.value(http, "parkgate_webhook_deliveries_total", "outcome=\"retried\"") >= 30)).isTrue();
        receiver.up();
        receiver.mode(TestReceiver.Mode.FAIL);
        assertThat(TestNodes.poll(Duration.ofSeconds(30), () -> receiver.received().size() >= 10)).isTrue();
        receiver.mode(TestReceiver.Mode.OK);
        // THEN every notification arrives
        assertThat(TestNodes.poll(Duration.ofSeconds(60), () -> delivered(receiver).size() == 60))
            .as("distinct ids answered 200").isTrue();
        List<TestReceiver.Received> all = receiver.received();
        Map<String, String> bodyById = new HashMap<>();
        Map<String, List<Integer>> firstArrivals = new HashMap<>();
        for (TestReceiver.Received r : all) {
          // AND every POST verifies with the documented recipe
          assertThat(ReceiverSide.verify(SECRET, r.timestamp(), r.signature(), r.body().getBytes(StandardCharsets.UTF_8),
              System.currentTimeMillis() / 1000)).as("signature of %s", r.delivery()).isTrue();
          JsonObject json = r.json();
          assertThat(json.fieldNames()).containsExactlyInAnyOrder("id", "type", "occurredAt", "parkId", "data");
          assertThat(r.eventId()).isEqualTo(json.getString("id"));
          // AND a repeat is the same notification with the same id, byte for byte
          String before = bodyById.putIfAbsent(json.getString("id"), r.body());
          if (before == null) {
            firstArrivals.computeIfAbsent(json.getString("parkId"), k -> new ArrayList<>())
                .add(json.getJsonObject("data").getInteger("n"));
          } else {
            assertThat(r.body()).isEqualTo(before);
          }
        }
        // AND each park's notifications first arrived in the order they were queued
        for (String park : parks) {
          assertThat(firstArrivals.get(park)).containsExactlyElementsOf(range(20));
        }
        assertThat(Metrics.value(http, "parkgate_webhook_deliveries_total", "outcome=\"delivered\"")).isGreaterThanOrEqualTo(60);
      } finally {
        TestNodes.close(node);
      }
    }
  }

  @Test
  void aDeliveryNotAnsweredWithinMaxRetryIsDeadLetteredListedAndDeliveredWhenResent() throws Exception {
    try (TestReceiver receiver = TestReceiver.start()) {
      String subscription = "dead-" + RUN;
      ParkgateNode node = TestNodes.start(config(subscription, receiver, 1));
      try {
        Http http = new Http(node.httpPort());
        // GIVEN a receiver that answers 500 to everything
        receiver.mode(TestReceiver.Mode.FAIL);
        String park = "wh-dead-" + RUN;
        TestNodes.await(node.notifier().notify(event(park, 0)));
        TestNodes.await(node.notifier().notify(event(park, 1)));
        // WHEN webhooks.maxRetryS (1 s) passes without a 2xx
        // THEN both are dead letters, listed as failed with the receiver's last status; the second
        // was tried too (a dead letter does not block its queue)
        assertThat(TestNodes.poll(Duration.ofSeconds(30), () -> failed(http, subscription).size() == 2)).isTrue();
        List<JsonObject> dead = failed(http, subscription);
        assertThat(dead).allSatisfy(d -> {
          assertThat(d.getString("state")).isEqualTo("failed");
          assertThat(d.getInteger("lastStatus")).isEqualTo(500);
          assertThat(d.getInteger("attempts")).isGreaterThanOrEqualTo(1);
        });
        assertThat(dead.get(0).getInteger("attempts")).as("retried until maxRetryS").isGreaterThanOrEqualTo(2);
        assertThat(dead.stream().map(d -> d.getString("notificationId")))
            .containsExactly(event(park, 0).id(), event(park, 1).id());
        assertThat(Metrics.value(http, "parkgate_webhook_deliveries_total", "outcome=\"dead\"",
            "subscription=\"" + subscription + "\"")).isEqualTo(2);
        int postsBefore = receiver.received().size();
        // WHEN the receiver is fixed and the dead letters are re-sent
        receiver.mode(TestReceiver.Mode.OK);
        for (JsonObject d : dead) {
          Http.Response resent = http.post("/api/v1/webhooks/deliveries/" + d.getString("id") + "/resend", "");
          assertThat(resent.status()).isEqualTo(200);
          assertThat(resent.json().getString("state")).isEqualTo("pending");
          assertThat(resent.json().getString("resentFrom")).isEqualTo(d.getString("id"));
        }
        // THEN they arrive, with their original ids, and are no longer listed as failed but as resent
        assertThat(TestNodes.poll(Duration.ofSeconds(20), () -> delivered(receiver).containsAll(
            List.of(event(park, 0).id(), event(park, 1).id())))).isTrue();
        assertThat(receiver.received().size()).isGreaterThan(postsBefore);
        assertThat(failed(http, subscription)).isEmpty();
        assertThat(list(http, "resent", subscription)).hasSize(2);
        // AND a second re-send of the same dead letter is refused, an unknown one is 404
        Http.Response again = http.post("/api/v1/webhooks/deliveries/" + dead.get(0).getString("id") + "/resend", "");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.error()).isEqualTo("DELIVERY_NOT_FAILED");
        Http.Response unknown = http.post("/api/v1/webhooks/deliveries/" + subscription + "~nowhere~"
            + "0".repeat(18) + "1/resend", "");
        assertThat(unknown.status()).isEqualTo(404);
      } finally {
        TestNodes.close(node);
      }
    }
  }

  static Set<String> delivered(TestReceiver receiver) {
    return receiver.answeredIds();
  }

  static List<JsonObject> failed(Http http, String subscription) {
    return list(http, "failed", subscription);
  }

  static List<JsonObject> list(Http http, String state, String subscription) {
    List<JsonObject> out = new ArrayList<>();
    String after = null;
    do {
      Http.Response page = http.get("/api/v1/webhooks/deliveries?state=" + state + "&limit=50"
          + (after == null ? "" : "&after=" + after));
      assertThat(page.status()).isEqualTo(200);
      page.json().getJsonArray("items").forEach(o -> {
        JsonObject d = (JsonObject) o;
        if (subscription.equals(d.getString("subscription"))) {
          out.add(d);
        }
      });
      after = page.json().getString("next");
    } while (after != null);
    return out;
  }

  static List<Integer> range(int n) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }

  static <T> T await(Future<T> f) {
    return TestNodes.await(f);
  }
}
