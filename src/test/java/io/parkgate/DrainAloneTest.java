package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.testing.OneNode;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node that drains with no other node to take its controllers does not ask them to move (they
 * could only come back to it) nor wait out its grace: each closes once nothing is in flight.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DrainAloneTest {

  static final long GRACE_MS = 20_000;

  @RegisterExtension
  static final OneNode NODE = OneNode.withDefaults();

  @Test
  void aLoneNodeClosesItsIdleControllersAtOnceInsteadOfAskingThemToMove() throws Exception {
    TestController c = TestController.online(NODE.node().controllerPort(), "alone1");
    long start = System.nanoTime();
    TestNodes.await(NODE.node().drain(GRACE_MS));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(tookMs).as("drain took %d ms of a %d ms grace", tookMs, GRACE_MS).isLessThan(GRACE_MS / 4);
    // the controller was closed, never told to reconnect
    String reconnect = null;
    try {
      while (true) {
        var m = c.read();
        if ("reconnect".equals(m.getString("method"))) {
          reconnect = m.encode();
        }
      }
    } catch (IOException closed) {
      // the end of the connection
    }
    assertThat(reconnect).isNull();
    assertThat(c.awaitClosed(Duration.ofSeconds(1))).isTrue();
  }
}
