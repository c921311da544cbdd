package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.config.ParkgateConfig;
import io.parkgate.config.Settings;
import io.parkgate.security.ApiKeys;
import io.parkgate.testing.Http.Response;
import io.parkgate.testing.Http;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Payments are never lost or doubled (idempotent on paymentId across the cluster), and the API
 * asks for keys with the right scope. Two clustered nodes: the controller on A, requests on A and B.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
abstract class PaymentsAndKeysContract {
  // PaymentsAndKeysTest runs every test here on the cluster store, PaymentsOnPostgresTest on postgres;
  // each starts its own cluster in its @BeforeAll. This class has none: JUnit runs a superclass's static
  // @BeforeAll even when the subclass declares one of the same name, and the postgres run then left the
  // superclass's two-node cluster running (never closed), holding Hazelcast's ports 5701+ so that later
  // cluster tests could not form their clusters.

  private static final String FEE_ONLY_KEY = "pk_fee-only-key-for-tests";
  /** How long a delivery attempt waits for the gate here (the default is 10 s). */
  private static final long ATTEMPT_TIMEOUT_MS = 1_000;
  private static ParkgateNode nodeA;
  private static ParkgateNode nodeB;
  private static Http httpA;
  private static Http httpB;

  /** Two nodes with the given payment store ({@code store} adds its settings; identity = cluster). */
  static void startCluster(UnaryOperator<ParkgateConfig.Builder> store) {
    String cluster = TestNodes.newClusterName();
    String keys = ApiKeys.entry("tests", TestNodes.API_KEY, ApiKeys.SCOPES) + ";"
        + ApiKeys.entry("fee-only", FEE_ONLY_KEY, Set.of("fee:read"));
    nodeA = TestNodes.start(store.apply(TestNodes.config(cluster).apiKeys(keys)
        .set(Settings.PAYMENTS_ATTEMPT_TIMEOUT_MS, ATTEMPT_TIMEOUT_MS)).build());
    nodeB = TestNodes.start(store.apply(TestNodes.config(cluster).apiKeys(keys).controllerPort(null)
        .set(Settings.PAYMENTS_ATTEMPT_TIMEOUT_MS, ATTEMPT_TIMEOUT_MS)).build());
    httpA = new Http(nodeA.httpPort());
    httpB = new Http(nodeB.httpPort());
  }

  @AfterAll
  static void stopCluster() {
    TestNodes.close(nodeB);
    TestNodes.close(nodeA);
  }

  private static String pay(String paymentId, long amount) {
    return new JsonObject().put("paymentId", paymentId).put("amount", amount).put("plate", "P1").encode();
  }

  /** The next server request the controller sees must be a fee query: no payment was repeated. */
  private static void assertNoFurtherNotify(TestController gate, Http http, String parkId) throws Exception {
    CompletableFuture<Response> probe = http.getAsync("/api/v1/parks/" + parkId + "/fee?timeoutMs=5000");
    JsonObject next = gate.read();
    while ("ping".equals(next.getString("method"))) {
      next = gate.read();
    }
    assertThat(next.getString("method")).as("next request after the payment").isEqualTo("fee.query");
    gate.answer(next, new JsonObject().put("amount", 1).put("currency", "CNY"));
    assertThat(probe.join().status()).isEqualTo(200);
  }

  @Test
  void aRetryAfterTheAnswerGetsTheSameAnswerFromAnyNodeWithoutNotifyingTheGateAgain() throws Exception {
    try (TestController gate = TestController.online(nodeA.controllerPort(), "pay-1")) {
      CompletableFuture<Response> first = httpA.postAsync("/api/v1/parks/pay-1/payments", pay("tx-100", 800));
      JsonObject notify = gate.readRequest("payment.notify");
      assertThat(notify.getJsonObject("params").getString("paymentId")).isEqualTo("tx-100");
      gate.answer(notify, new JsonObject().put("status", "opened"));
      assertThat(first.join().json().getString("status")).isEqualTo("opened");

      Response retry = httpB.post("/api/v1/parks/pay-1/payments", pay("tx-100", 800));
      assertThat(retry.status()).isEqualTo(200);
      assertThat(retry.json().getString("status")).isEqualTo("opened");
      assertThat(retry.json().getBoolean("replayed")).isTrue();
      assertNoFurtherNotify(gate, httpA, "pay-1");
    }
  }

  @Test
  void aRetryWhileTheFirstIsInFlightJoinsIt() throws Exception {
    try (TestController gate = TestController.online(nodeA.controllerPort(), "pay-2")) {
      CompletableFuture<Response> first = httpA.postAsync("/api/v1/parks/pay-2/payments?timeoutMs=10000", pay("tx-200", 500));
      JsonObject notify = gate.readRequest("payment.notify");
      CompletableFuture<Response> second = httpB.postAsync("/api/v1/parks/pay-2/payments?timeoutMs=10000", pay("tx-200", 500));
      assertThat(TestNodes.poll(java.time.Duration.ofSeconds(2), () -> !second.isDone())).isTrue();
      gate.answer(notify, new JsonObject().put("status", "opened"));
      assertThat(first.join().status()).isEqualTo(200);
      Response joined = second.join();
      assertThat(joined.status()).isEqualTo(200);
      assertThat(joined.json().getString("status")).isEqualTo("opened");
      assertNoFurtherNotify(gate, httpA, "pay-2");
    }
  }

  @Test
  void theSamePaymentPostedAtOnceToTwoNodesMakesOneRecordAndOneNotification() throws Exception {
    try (TestController gate = TestController.online(nodeA.controllerPort(), "pay-twice")) {
      // WHEN the app sends the same payment to both nodes at the same moment
      CompletableFuture<Response> viaA = httpA.postAsync("/api/v1/parks/pay-twice/payments?timeoutMs=10000", pay("tx-250", 250));
      CompletableFuture<Response> viaB = httpB.postAsync("/api/v1/parks/pay-twice/payments?timeoutMs=10000", pay("tx-250", 250));
      // THEN the gate hears of it once; both requests get its answer
      JsonObject notify = gate.readRequest("payment.notify");
      gate.answer(notify, new JsonObject().put("status", "opened"));
      assertThat(viaA.join().status()).isEqualTo(200);
      assertThat(viaB.join().status()).isEqualTo(200);
      assertThat(httpA.get("/api/v1/payments/tx-250").json().getInteger("attempts")).isEqualTo(1);
      assertThat(httpB.get("/api/v1/parks/pay-twice/payments").json().getJsonArray("items").size()).isEqualTo(1);
      assertNoFurtherNotify(gate, httpA, "pay-twice");
    }
  }

  @Test
  void theSamePaymentIdWithAnotherAmountIsAConflictAndAnotherIdIsANewPayment() throws Exception {
    try (TestController gate = TestController.online(nodeA.controllerPort(), "pay-3")) {
      CompletableFuture<Response> first = httpA.postAsync("/api/v1/parks/pay-3/payments", pay("tx-300", 700));
      gate.answer(gate.readRequest("payment.notify"), new JsonObject().put("status", "opened"));
      assertThat(first.join().status()).isEqualTo(200);

      Response conflict = httpA.post("/api/v1/parks/pay-3/payments", pay("tx-300", 701));
      assertThat(conflict.status()).isEqualTo(409);
      assertThat(conflict.error()).isEqualTo("PAYMENT_CONFLICT");

      CompletableFuture<Response> other = httpA.postAsync("/api/v1/parks/pay-3/payments", pay("tx-301", 700));
      JsonObject notify = gate.readRequest("payment.notify");
      assertThat(notify.getJsonObject("params").getString("paymentId")).isEqualTo("tx-301");
      gate.answer(notify, new JsonObject().put("status", "opened"));
      assertThat(other.join().status()).isEqualTo(200);
    }
  }

  @Test
  void anUnansweredAttemptLeavesThePaymentSentAndItIsSentAgainWithTheSamePaymentId() throws Exception {
    try (TestController gate = TestController.online(nodeA.controllerPort(), "pay-4")) {
      // GIVEN a payment whose first notification the gate does not answer
      CompletableFuture<Response> first = httpA.postAsync("/api/v1/parks/pay-4/payments?timeoutMs=300", pay("tx-400", 900));
      JsonObject notify = gate.readRequest("payment.notify");
      assertThat(notify.getJsonObject("params").getInteger("attempt")).isEqualTo(1);
      // THEN the app hears 202: recorded and on its way, with where to look
      Response accepted = first.join();
      assertThat(accepted.status()).isEqualTo(202);
      assertThat(accepted.json().getString("state")).isEqualTo("sent");
      assertThat(accepted.header("Location")).isEqualTo("/api/v1/payments/tx-400");
      // WHEN the attempt times out and the gate speaks again
      assertThat(gate.read().getString("method")).as("the server's probe after the timeout").isEqualTo("ping");
      gate.request("ping", new JsonObject());
      // THEN it is sent again, same paymentId, attempt 2; the gate's answer confirms it
      JsonObject again = gate.readRequest("payment.notify");
      assertThat(again.getJsonObject("params").getString("paymentId")).isEqualTo("tx-400");
      assertThat(again.getJsonObject("params").getInteger("attempt")).isEqualTo(2);
      gate.answer(again, new JsonObject().put("status", "opened"));
      assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> "confirmed".equals(state(httpB, "tx-400")))).isTrue();
      JsonObject record = httpB.get("/api/v1/payments/tx-400").json();
      assertThat(record.getInteger("attempts")).isEqualTo(2);
      assertThat(record.getJsonArray("history").stream().map(h -> ((JsonObject) h).getString("state")).toList())
          .containsExactly("accepted", "sent", "sent", "sent", "confirmed");
    }
  }

  @Test
  void aPaymentForAnOfflineParkIsRecordedAndDeliveredWhenItsControllerConnects() throws Exception {
    // GIVEN no controller for the park
    Response r = httpB.post("/api/v1/parks/pay-later/payments", pay("tx-600", 100));
    assertThat(r.status()).isEqualTo(202);
    assertThat(r.json().getString("state")).isEqualTo("accepted");
    assertThat(state(httpA, "tx-600")).isEqualTo("accepted");
    // WHEN it connects
    try (TestController gate = TestController.online(nodeA.controllerPort(), "pay-later")) {
      // THEN it is notified once, right after its hello, and the record is confirmed
      JsonObject notify = gate.readRequest("payment.notify");
      assertThat(notify.getJsonObject("params").getString("paymentId")).isEqualTo("tx-600");
      assertThat(notify.getJsonObject("params").getString("validUntil")).isNotBlank();
      gate.answer(notify, new JsonObject().put("status", "opened"));
      assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> "confirmed".equals(state(httpB, "tx-600")))).isTrue();
      Response retry = httpB.post("/api/v1/parks/pay-later/payments", pay("tx-600", 100));
      assertThat(retry.status()).isEqualTo(200);
      assertThat(retry.json().getBoolean("replayed")).isTrue();
      assertNoFurtherNotify(gate, httpA, "pay-later");
    }
  }

  @Test
  void aPaymentPastItsValidUntilExpiresAndIsNeverSent() throws Exception {
    // GIVEN a payment valid for 1 s, for a park that is offline
    Response r = httpA.post("/api/v1/parks/pay-exp/payments",
        new JsonObject().put("paymentId", "tx-700").put("amount", 5).put("validForS", 1).encode());
    assertThat(r.status()).isEqualTo(202);
    // WHEN its validity passes
    assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> "expired".equals(state(httpA, "tx-700")))).isTrue();
    // THEN a retry says so, and the gate never hears of it when it connects
    Response retry = httpB.post("/api/v1/parks/pay-exp/payments",
        new JsonObject().put("paymentId", "tx-700").put("amount", 5).encode());
    assertThat(retry.status()).isEqualTo(410);
    assertThat(retry.error()).isEqualTo("PAYMENT_EXPIRED");
    try (TestController gate = TestController.online(nodeA.controllerPort(), "pay-exp")) {
      assertNoFurtherNotify(gate, httpA, "pay-exp");
    }
  }

  @Test
  void aPaymentCancelledBeforeDeliveryIsNeverSent() throws Exception {
    // GIVEN a payment accepted for an offline park
    assertThat(httpA.post("/api/v1/parks/pay-cancel/payments", pay("tx-800", 300)).status()).isEqualTo(202);
    // WHEN it is cancelled
    Response cancelled = httpB.post("/api/v1/payments/tx-800/cancel", "");
    assertThat(cancelled.status()).isEqualTo(200);
    assertThat(cancelled.json().getString("state")).isEqualTo("cancelled");
    // THEN it stays cancelled (a second cancel is answered the same), a retry says so, and the gate
    // never hears of it
    assertThat(httpA.post("/api/v1/payments/tx-800/cancel", "").json().getString("state")).isEqualTo("cancelled");
    assertThat(httpA.post("/api/v1/parks/pay-cancel/payments", pay("tx-800", 300)).error())
        .isEqualTo("PAYMENT_CANCELLED");
    try (TestController gate = TestController.online(nodeA.controllerPort(), "pay-cancel")) {
      assertNoFurtherNotify(gate, httpA, "pay-cancel");
    }
    assertThat(state(httpA, "tx-800")).isEqualTo("cancelled");
  }

  @Test
  void aPaymentWrittenToAConnectionThatWentSilentIsSentAgainOnTheNextConnection() throws Exception {
    // GIVEN a gate that receives a payment and goes silent (black-holed: no answer, no FIN)
    TestController silent = TestController.online(nodeA.controllerPort(), "pay-bh");
    CompletableFuture<Response> post = httpB.postAsync("/api/v1/parks/pay-bh/payments?timeoutMs=200", pay("tx-900", 400));
    silent.readRequest("payment.notify");
    assertThat(post.join().status()).isEqualTo(202);
    // WHEN the controller reconnects (a new connection for the park)
    try (TestController gate = TestController.online(nodeA.controllerPort(), "pay-bh")) {
      // THEN the payment goes out again on it: same paymentId, the next attempt
      JsonObject again = gate.readRequest("payment.notify");
      assertThat(again.getJsonObject("params").getString("paymentId")).isEqualTo("tx-900");
      assertThat(again.getJsonObject("params").getInteger("attempt")).isEqualTo(2);
      gate.answer(again, new JsonObject().put("status", "opened"));
      assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> "confirmed".equals(state(httpA, "tx-900")))).isTrue();
    } finally {
      silent.close();
    }
  }

  private static String state(Http http, String paymentId) {
    Response r = http.get("/api/v1/payments/" + paymentId);
    return r.status() == 200 ? r.json().getString("state") : "HTTP " + r.status();
  }

  @Test
  void aGateRefusalIsADefiniteAnswerAndIsReplayed() throws Exception {
    try (TestController gate = TestController.online(nodeA.controllerPort(), "pay-5")) {
      CompletableFuture<Response> first = httpA.postAsync("/api/v1/parks/pay-5/payments", pay("tx-500", 100));
      gate.answerError(gate.readRequest("payment.notify"), 42, "barrier jammed");
      assertThat(first.join().status()).isEqualTo(502);
      Response retry = httpB.post("/api/v1/parks/pay-5/payments", pay("tx-500", 100));
      assertThat(retry.status()).isEqualTo(502);
      assertThat(retry.json().getInteger("gateCode")).isEqualTo(42);
      assertNoFurtherNotify(gate, httpA, "pay-5");
    }
  }

  @Test
  void theApiAsksForAKeyWithTheRightScopeButHealthStaysOpen() {
    Http anonymous = new Http(nodeA.httpPort(), null);
    Response none = anonymous.get("/api/v1/parks/any/fee");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.error()).isEqualTo("UNAUTHORIZED");
    assertThat(new Http(nodeA.httpPort(), "pk_wrong").get("/api/v1/parks").status()).isEqualTo(401);

    Http feeOnly = new Http(nodeA.httpPort(), FEE_ONLY_KEY);
    assertThat(feeOnly.get("/api/v1/parks/any/fee").error()).isEqualTo("GATE_OFFLINE");
    Response forbidden = feeOnly.post("/api/v1/parks/any/payments", pay("tx-700", 1));
    assertThat(forbidden.status()).isEqualTo(403);
    assertThat(forbidden.error()).isEqualTo("FORBIDDEN");
    assertThat(feeOnly.get("/api/v1/parks").status()).isEqualTo(403);

    assertThat(anonymous.get("/health/live").status()).isEqualTo(200);
    assertThat(TestNodes.poll(Duration.ofSeconds(20), () -> anonymous.get("/health/ready").status() == 200))
        .as("readiness answers without a key (once the cluster is safe)").isTrue();
  }
}
