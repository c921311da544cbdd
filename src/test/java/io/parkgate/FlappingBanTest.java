package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.testing.OneNode;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.parkgate.security.ParkTokens;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** controllers.flapping.banS: a flapping park's hellos are refused with a retry-after, and the ban lifts. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FlappingBanTest {

  static final int MAX_SESSIONS = 3;
  static final int BAN_S = 2;

  @RegisterExtension
  static final OneNode NODE = OneNode.of(b -> b.flapping(MAX_SESSIONS, 60, BAN_S));

  private static JsonObject hello(String parkId) throws Exception {
    try (TestController c = TestController.connect(NODE.node().controllerPort())) {
      return c.request("hello", new JsonObject().put("parkId", parkId)
          .put("token", new ParkTokens(TestNodes.TOKEN_SECRET, null).sign(parkId)));
    }
  }

  @Test
  void theBanHoldsForItsDurationAndThenLifts() throws Exception {
    // GIVEN a park that opened one session more than allowed
    for (int i = 0; i <= MAX_SESSIONS; i++) {
      assertThat(hello("b1").containsKey("result")).isTrue();
    }
    // WHEN it says hello again
    long bannedAt = System.nanoTime();
    JsonObject refused = hello("b1");
    // THEN it is refused with -32008 and when to come back, within the ban
    JsonObject error = refused.getJsonObject("error");
    assertThat(error.getInteger("code")).as("answer %s", refused).isEqualTo(-32008);
    long retryAfterMs = error.getJsonObject("data").getLong("retryAfterMs");
    assertThat(retryAfterMs).isPositive().isLessThanOrEqualTo(BAN_S * 1000L);
    // AND it stays refused until the ban lifts, then is admitted again (no faster than the ban says)
    assertThat(TestNodes.poll(Duration.ofSeconds(3L * BAN_S), () -> {
      try {
        return hello("b1").containsKey("result");
      } catch (Exception e) {
        return false;
      }
    })).isTrue();
    assertThat(System.nanoTime() - bannedAt).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(retryAfterMs - 50));
    // AND the refusals are in its history as one folded event
    JsonObject events = NODE.http().get("/api/v1/parks/b1/events").json();
    assertThat(events.getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(e -> "banned".equals(e.getString("reason")))).hasSize(1);
    // AND another park was never refused
    assertThat(hello("b2").containsKey("result")).isTrue();
  }
}
