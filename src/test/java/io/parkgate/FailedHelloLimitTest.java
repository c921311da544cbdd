package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.testing.OneNode;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Failed hellos are limited per (source address, park): a token guesser behind a shared address
 * locks out the park it targets, never the address's other gates.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FailedHelloLimitTest {

  private static final int PER_PARK = 10;
  private static final int PER_SOURCE = 200;
  @RegisterExtension
  static final OneNode NODE = OneNode.withDefaults();

  private static JsonObject hello(String source, String parkId, String token) throws Exception {
    try (TestController gate = TestController.connectFrom(source, NODE.node().controllerPort())) {
      return gate.request("hello", new JsonObject().put("parkId", parkId).put("token", token));
    }
  }

  private static String message(JsonObject answer) {
    return answer.getJsonObject("error").getString("message");
  }

  @Test
  void anAttackerHammeringOneParkLocksThatParkOnlyNotItsNeighboursBehindTheSameAddress() throws Exception {
    // GIVEN an attacker at 127.0.0.1 sending bad tokens for park X
    for (int i = 0; i < PER_PARK; i++) {
      assertThat(message(hello("127.0.0.1", "nat-x", "guess-" + i))).isEqualTo("invalid token for park nat-x");
    }
    // WHEN it goes on, and when park Y's gate says hello from the same address with its valid token
    JsonObject lockedX = hello("127.0.0.1", "nat-x", "guess-more");
    try (TestController y = TestController.hello(TestController.connectFrom("127.0.0.1", NODE.node().controllerPort()), "nat-y")) {
      // THEN Y is online (its hello succeeded), and X is locked for that address, valid token or not
      assertThat(y.request("ping", new JsonObject()).containsKey("result")).isTrue();
    }
    assertThat(message(lockedX)).startsWith("too many failed hellos for park nat-x");
    String validX = new io.parkgate.security.ParkTokens(TestNodes.TOKEN_SECRET, null).sign("nat-x");
    assertThat(message(hello("127.0.0.1", "nat-x", validX))).startsWith("too many failed hellos for park nat-x");
    // AND the lock is per address: X's own gate elsewhere still gets in
    try (TestController x = TestController.hello(TestController.connectFrom("127.0.0.5", NODE.node().controllerPort()), "nat-x")) {
      assertThat(x.request("ping", new JsonObject()).containsKey("result")).isTrue();
    }
  }

  @Test
  void pastTheAddressCeilingFailuresAreRefusedButValidTokensStillGetIn() throws Exception {
    // GIVEN an address that failed the per-address ceiling's worth of hellos, spread over many parks
    String source = "127.0.0.7";
    for (int i = 0; i < PER_SOURCE; i++) {
      hello(source, "spread-" + (i / (PER_PARK - 1)), "guess");
    }
    // WHEN it fails once more for a fresh park
    JsonObject past = hello(source, "spread-fresh", "guess");
    // THEN that failure is refused as too many from the address, and locks that park at once
    assertThat(message(past)).contains("too many failed hellos from this address");
    String validFresh = new io.parkgate.security.ParkTokens(TestNodes.TOKEN_SECRET, null).sign("spread-fresh");
    assertThat(message(hello(source, "spread-fresh", validFresh))).startsWith("too many failed hellos for park");
    // AND a valid token for a park that is not locked still gets in from that address
    try (TestController ok = TestController.hello(TestController.connectFrom(source, NODE.node().controllerPort()), "spread-ok")) {
      assertThat(ok.request("ping", new JsonObject()).containsKey("result")).isTrue();
    }
  }
}
