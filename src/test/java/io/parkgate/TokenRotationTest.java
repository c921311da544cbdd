package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.security.ParkTokens;
import io.parkgate.testing.Metrics;
import io.parkgate.testing.OneNode;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A token-secret rotation can be watched: each session says which secret proved its hello (status
 * and history), a counter by secret says how many still come with the old one, and API requests
 * are counted per key name.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TokenRotationTest {

  static final String OLD_SECRET = "the-old-secret-0123456789";

  @RegisterExtension
  static final OneNode NODE = OneNode.of(b -> b.tokenSecretPrevious(OLD_SECRET));

  private static TestController hello(String parkId, String secret) throws Exception {
    TestController c = TestController.connect(NODE.node().controllerPort());
    JsonObject answer = c.request("hello", new JsonObject().put("parkId", parkId)
        .put("token", new ParkTokens(secret, null).sign(parkId)));
    assertThat(answer.containsKey("result")).as("hello %s", answer).isTrue();
    return c;
  }

  @Test
  void eachSessionSaysWhichSecretProvedItAndTheOldOnesAreCounted() throws Exception {
    try (TestController old = hello("rot1", OLD_SECRET); TestController current = hello("rot2", TestNodes.TOKEN_SECRET)) {
      assertThat(old).isNotNull();
      assertThat(current).isNotNull();
      assertThat(TestNodes.poll(Duration.ofSeconds(5), () -> NODE.http().get("/api/v1/parks/rot1").status() == 200))
          .isTrue();
      assertThat(NODE.http().get("/api/v1/parks/rot1").json().getString("tokenSecret")).isEqualTo("previous");
      assertThat(NODE.http().get("/api/v1/parks/rot2").json().getString("tokenSecret")).isEqualTo("current");
      assertThat(NODE.http().get("/api/v1/parks/rot1/events").json().getJsonArray("items").getJsonObject(0)
          .getString("tokenSecret")).isEqualTo("previous");
      assertThat(Metrics.value(NODE.http(), "parkgate_sessions_token_secret_total", "secret", "previous")).isEqualTo(1.0);
      assertThat(Metrics.value(NODE.http(), "parkgate_sessions_token_secret_total", "secret", "current")).isEqualTo(1.0);
      assertThat(Metrics.value(NODE.http(), "parkgate_api_requests_total", "key", "tests")).isGreaterThanOrEqualTo(4.0);
    }
  }
}
