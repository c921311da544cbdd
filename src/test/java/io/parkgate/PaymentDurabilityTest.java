package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.config.ParkgateConfig;
import io.parkgate.config.Settings;
import io.parkgate.testing.Http;
import io.parkgate.testing.Http.Response;
import io.parkgate.testing.Metrics;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.parkgate.testing.TestPostgres;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The postgres store keeps payments through what the cluster store cannot: a full restart of the
 * cluster, and it fails cleanly (and recovers by itself) when the database goes away.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PaymentDurabilityTest {

  private static final long STORE_TIMEOUT_MS = 1_000;

  private static ParkgateConfig.Builder postgresNode(String cluster) {
    return TestNodes.config(cluster).set(Settings.PAYMENTS_STORE, "postgres")
        .set(Settings.PAYMENTS_POSTGRES_URI, TestPostgres.uri()).set(Settings.POSTGRES_PASSWORD, TestPostgres.password())
        .set(Settings.PAYMENTS_STORE_TIMEOUT_MS, STORE_TIMEOUT_MS);
  }

  /** Park IDs of this run: the database outlives runs, and a park's pending payments would reach the next run's gate. */
  private static final String RUN = Long.toString(System.nanoTime(), 36);

  private static String pay(String paymentId) {
    return new JsonObject().put("paymentId", paymentId).put("amount", 1200).encode();
  }

  @Test
  void anAcceptedPaymentSurvivesAFullClusterRestartAndIsDelivered() throws Exception {
    String paymentId = "restart-" + System.nanoTime();
    // GIVEN a payment accepted for an offline park by a one-node cluster
    ParkgateNode before = TestNodes.start(postgresNode(TestNodes.newClusterName()).build());
    Response accepted = new Http(before.httpPort()).post("/api/v1/parks/dur-1-" + RUN + "/payments", pay(paymentId));
    assertThat(accepted.status()).isEqualTo(202);
    // WHEN the whole cluster stops, and a new one starts on the same database
    TestNodes.close(before);
    ParkgateNode after = TestNodes.start(postgresNode(TestNodes.newClusterName()).build());
    try (TestController gate = TestController.online(after.controllerPort(), "dur-1-" + RUN)) {
      // THEN the park's controller is told of the payment when it connects, and it is confirmed
      JsonObject notify = gate.readRequest("payment.notify");
      assertThat(notify.getJsonObject("params").getString("paymentId")).isEqualTo(paymentId);
      gate.answer(notify, new JsonObject().put("status", "opened"));
      Http http = new Http(after.httpPort());
      assertThat(TestNodes.poll(Duration.ofSeconds(10),
          () -> "confirmed".equals(http.get("/api/v1/payments/" + paymentId).json().getString("state")))).isTrue();
    } finally {
      TestNodes.close(after);
    }
  }

  @Test
  void aPaymentWhoseWriteTimedOutIsAnsweredOutcomeUnknownNotNothingRecordedSinceTheWriteMayStillLand() throws Exception {
    ParkgateNode node = TestNodes.start(postgresNode(TestNodes.newClusterName()).build());
    Http http = new Http(node.httpPort());
    String paymentId = "frozen-" + System.nanoTime();
    try {
      // GIVEN a node whose database connections are up (a first payment went through the pool)
      assertThat(http.post("/api/v1/parks/dur-3-" + RUN + "/payments", pay("warm-" + System.nanoTime())).status())
          .isEqualTo(202);
      // WHEN the database host freezes (its sockets open, nothing answered) and a payment is posted
      TestPostgres.freeze(true);
      Response answer;
      try {
        answer = http.post("/api/v1/parks/dur-3-" + RUN + "/payments", pay(paymentId));
      } finally {
        TestPostgres.freeze(false);
      }
      // THEN the payer is told the outcome is unknown, within the store's bounds (write, then read back)
      assertThat(answer.status()).isEqualTo(503);
      assertThat(answer.error()).as("answer %s", answer.json()).isEqualTo("PAYMENT_OUTCOME_UNKNOWN");
      assertThat(answer.json().getString("paymentId")).isEqualTo(paymentId);
      assertThat(answer.elapsedMs()).isLessThan(4 * STORE_TIMEOUT_MS);
      // AND rightly so: once the database runs again, the INSERT it had been sent lands
      assertThat(TestNodes.poll(Duration.ofSeconds(20),
          () -> http.get("/api/v1/payments/" + paymentId).status() == 200))
          .as("the write that timed out was applied afterwards").isTrue();
    } finally {
      TestNodes.close(node);
    }
  }

  @Test
  void whileTheDatabaseIsDownPaymentsAnswerStoreUnavailableFeesStillWorkAndItRecoversByItself() throws Exception {
    ParkgateNode node = TestNodes.start(postgresNode(TestNodes.newClusterName()).build());
    Http http = new Http(node.httpPort());
    try (TestController gate = TestController.online(node.controllerPort(), "dur-2-" + RUN)) {
      // GIVEN the database goes away
      TestPostgres.control("stop");
      try {
        // WHEN a payment is posted, THEN it is refused as STORE_UNAVAILABLE within about the store's bound
        Response refused = http.post("/api/v1/parks/dur-2-" + RUN + "/payments", pay("down-" + System.nanoTime()));
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.error()).isEqualTo("STORE_UNAVAILABLE");
        assertThat(refused.elapsedMs()).isLessThan(3 * STORE_TIMEOUT_MS);
        // AND fee queries are answered as ever, and readiness stays UP while saying the store is unavailable
        CompletableFuture<Response> fee = http.getAsync("/api/v1/parks/dur-2-" + RUN + "/fee");
        gate.answer(gate.readRequest("fee.query"), new JsonObject().put("amount", 300).put("currency", "CNY"));
        assertThat(fee.join().status()).isEqualTo(200);
        Response ready = http.get("/health/ready");
        assertThat(ready.json().encode()).contains("\"available\":false");
        assertThat(TestNodes.poll(Duration.ofSeconds(15),
            () -> Metrics.value(http, "parkgate_payments_store_up") == 0)).as("the store-up gauge says 0").isTrue();
      } finally {
        TestPostgres.control("start");
      }
      // THEN once it is back, payments work again without a restart
      String paymentId = "back-" + System.nanoTime();
      assertThat(TestNodes.poll(Duration.ofSeconds(30), () -> {
        Response r = http.post("/api/v1/parks/dur-2-" + RUN + "/payments?timeoutMs=200", pay(paymentId));
        return r.status() == 202 || r.status() == 200;
      })).as("payments accepted again after the database returned").isTrue();
      assertThat(TestNodes.poll(Duration.ofSeconds(15),
          () -> Metrics.value(http, "parkgate_payments_store_up") == 1)).as("the store-up gauge says 1").isTrue();
      assertThat(Metrics.value(http, "parkgate_payments_accepted_total", "store=\"postgres\"")).isPositive();
    } finally {
      TestNodes.close(node);
    }
  }
}
