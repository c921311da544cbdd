package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.testing.ForkedNodeProcess;
import io.parkgate.testing.Http;
import io.parkgate.testing.Http.Response;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A payment written to a controller connection on a node that is then killed (kill -9: no
 * goodbye to anyone) reaches the gate through the node the controller reconnects to, once, and is
 * confirmed there. Cluster store: the record's backup on the surviving node carries it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PaymentNodeDeathTest {

  @Test
  void aPaymentSentThroughANodeThatDiesIsDeliveredThroughTheNodeTheControllerReconnectsTo() throws Exception {
    String cluster = TestNodes.newClusterName();
    try (ForkedNodeProcess doomed = ForkedNodeProcess.start(List.of("-Xmx256m"), cluster, 5_000, 3)) {
      ParkgateNode survivor = TestNodes.start(TestNodes.config(cluster).build());
      try {
        Http http = new Http(survivor.httpPort());
        // GIVEN a payment written to the park's controller through the node about to die
        TestController first = TestController.online(doomed.controllerPort(), "death-1");
        assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> http.get("/api/v1/parks/death-1").status() == 200))
            .as("the survivor sees the park online").isTrue();
        Response posted = http.post("/api/v1/parks/death-1/payments?timeoutMs=300",
            new JsonObject().put("paymentId", "dies-1").put("amount", 700).encode());
        JsonObject notify = first.readRequest("payment.notify");
        assertThat(notify.getJsonObject("params").getInteger("attempt")).isEqualTo(1);
        assertThat(posted.status()).isEqualTo(202);

        // WHEN that node is killed, and the controller reconnects to the survivor
        doomed.kill9();
        assertThat(first.awaitClosed(Duration.ofSeconds(10))).as("the dead node's socket closes").isTrue();
        first.close();
        try (TestController again = TestController.online(survivor.controllerPort(), "death-1")) {
          // THEN the payment reaches it again (same paymentId, the next attempt), and is confirmed
          JsonObject retry = nextNotify(again, Duration.ofSeconds(60));
          assertThat(retry.getJsonObject("params").getString("paymentId")).isEqualTo("dies-1");
          assertThat(retry.getJsonObject("params").getInteger("attempt")).isEqualTo(2);
          again.answer(retry, new JsonObject().put("status", "opened"));
          assertThat(TestNodes.poll(Duration.ofSeconds(20),
              () -> "confirmed".equals(http.get("/api/v1/payments/dies-1").json().getString("state")))).isTrue();
          JsonObject record = http.get("/api/v1/payments/dies-1").json();
          assertThat(record.getInteger("attempts")).isEqualTo(2);
        }
      } finally {
        TestNodes.close(survivor);
      }
    }
  }

  /** The next payment.notify, answering pings, waiting up to {@code within} (the store recovers from the death first). */
  private static JsonObject nextNotify(TestController gate, Duration within) throws IOException {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      try {
        return gate.readRequest("payment.notify");
      } catch (SocketTimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
  }
}
