package io.parkgate.payments;

import com.hazelcast.core.HazelcastInstance;
import io.parkgate.cluster.ClusterPaymentStore;
import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.security.ClusterCredentials;
import io.vertx.core.Vertx;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract, against the cluster store on one Hazelcast member that joins nobody. */
class ClusterPaymentStoreTest extends PaymentStoreContract {

  private static Vertx vertx;
  private static HazelcastInstance hazelcast;
  private static PaymentStore store;

  @BeforeAll
  static void start() throws Exception {
    hazelcast = io.parkgate.testing.TestHazelcast.standalone("payments-contract");
    vertx = Vertx.vertx();
    store = ClusterPaymentStore.start(vertx, hazelcast,
            ClusterCredentials.of("contract-secret-0123456789", null, null).seal(), GatewayMetrics.detached(),
            3_600_000, 5_000)
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    vertx.close();
    hazelcast.shutdown();
  }

  /**
   * Two POSTs of one payment at the same moment (PaymentsAndKeysTest, 1 run in 6): the second
   * found the record before the first had set the park's pending hint, and its delivery run found
   * nothing and answered 202 while the first's was confirmed. A retry now sets the hint again.
   */
  @Test
  void aRetryOfAPendingPaymentMakesItFoundByTheNextDeliveryRunEvenIfItsHintWasCleared() throws Exception {
    // GIVEN a pending payment whose park's hint is gone (as between the record's write and its
    // hint's, or cleared by a run's query that started before the record was written)
    Payment first = pendingWithoutHint("hint-");
    String park = first.parkId();
    // WHEN the same payment is posted again
    PaymentStore.Inserted again = store.insert(first).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    // THEN it is the first record, and the next delivery run finds it
    assertThat(again.created()).isFalse();
    assertThat(store.pending(park).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS))
        .extracting(Payment::paymentId).containsExactly(first.paymentId());
  }

  /**
   * A healed split merges the records and the hints separately (bench/faults partition): a park's
   * hint could be cleared before its records from the other side arrived, and nothing named the
   * park again. The sweep reads the pending records themselves once every few calls and puts the
   * hint back.
   */
  @Test
  void aPendingRecordWhoseHintIsGoneIsFoundByTheSweepWithinAFewCallsAndItsHintPutBack() throws Exception {
    String park = pendingWithoutHint("lost-hint-").parkId();
    boolean found = false;
    for (int i = 0; i < 6 && !found; i++) { // ClusterPaymentStore.THOROUGH_EVERY
      found = store.parksWithPending().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS).contains(park);
    }
    assertThat(found).as("named by one of six sweeps").isTrue();
    assertThat(hazelcast.getMap(ClusterPaymentStore.HINTS_MAP_NAME).containsKey(park)).as("hint put back").isTrue();
  }

  /** A pending payment stored for a park of its own, whose hint is then deleted. */
  private static Payment pendingWithoutHint(String parkPrefix) throws Exception {
    String park = parkPrefix + System.nanoTime();
    long now = System.currentTimeMillis();
    Payment p = Payment.accepted("pay-" + park, park, 800, null, null, now, now + 600_000, "node-1");
    store.insert(p).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    hazelcast.getMap(ClusterPaymentStore.HINTS_MAP_NAME).delete(park);
    return p;
  }

  @Override
  protected PaymentStore store() {
    return store;
  }
}
