package io.parkgate.payments;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import io.parkgate.bus.Addresses;
import io.parkgate.bus.ParkEntry;
import io.parkgate.cluster.ClusterPaymentStore;
import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.security.ClusterCredentials;
import io.parkgate.testing.TestHazelcast;
import io.parkgate.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A payment whose lease is held by an attempt that never sends it. Found by the fault harness
 * (bench/faults, sigstop): a courier's "sent" write went to a partition owned by a frozen member,
 * timed out after 2 s, and landed later; every later run of the park saw the lease held and ended
 * as if done, so the payment stayed "sent" while its controller stayed connected, never delivered.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PaymentCourierLeaseTest {

  private static final long ATTEMPT_TIMEOUT_MS = 500;
  private static final long LEASE_MS = 2_000;

  private HazelcastInstance hazelcast;
  private Vertx vertx;

  @AfterEach
  void stop() {
    TestHazelcast.close(vertx, hazelcast);
  }

  /** A Vert.x instance and the cluster payment store on a standalone Hazelcast member. */
  private PaymentStore startStore(String name) {
    hazelcast = TestHazelcast.standalone(name);
    vertx = Vertx.vertx();
    return TestNodes.await(ClusterPaymentStore.start(vertx, hazelcast,
        ClusterCredentials.of(name + "-secret-0123456789", null, null).seal(), GatewayMetrics.detached(), 3_600_000, 5_000));
  }

  @Test
  void aPaymentLeasedByAnAttemptThatNeverSentItIsDeliveredOnceTheLeaseIsOver() {
    PaymentStore store = startStore("courier-lease");
    // GIVEN the park's session (epoch 7), answering every payment.notify it gets with "opened"
    long epoch = 7;
    AtomicInteger notified = new AtomicInteger();
    TestNodes.await(vertx.eventBus().<JsonObject>consumer(Addresses.park("lease-1"), m -> {
      notified.incrementAndGet();
      m.reply(new JsonObject().put("status", "opened"));
    }).completion());
    // AND a payment already taken by an attempt of that session that will never send it
    long now = System.currentTimeMillis();
    Payment accepted = Payment.accepted("leased-1", "lease-1", 900, null, null, now, now + 600_000, "node-a");
    TestNodes.await(store.insert(accepted));
    TestNodes.await(store.update("leased-1", p -> p.sent(epoch, now + LEASE_MS, now, "node-a")));
    PaymentCourier courier = new PaymentCourier(store, GatewayMetrics.detached(), "node-b", ATTEMPT_TIMEOUT_MS,
        park -> null);
    TestNodes.await(vertx.deployVerticle(courier));

    // WHEN a delivery run starts for the park (as after a hello, or a new payment)
    courier.online("lease-1", epoch);

    // THEN once the lease is over the payment is sent, once, and confirmed; the bound is the
    // lease plus the courier's retry backoff (1 s doubling: taken by the retry 3 s or 7 s after)
    assertThat(TestNodes.poll(Duration.ofMillis(LEASE_MS + 7_000),
        () -> TestNodes.await(store.get("leased-1")).state() == PaymentState.CONFIRMED))
        .as("delivered after the lease").isTrue();
    assertThat(notified.get()).isEqualTo(1);
  }

  /**
   * Found by the fault harness (bench/faults, partition): payments accepted on the majority side of
   * a split for parks whose controllers stayed connected to the cut-off node stayed "accepted"
   * after the merge: nothing ran for them, since their controllers never said hello again.
   */
  @Test
  void aPendingPaymentOfAParkHeldHereIsDeliveredByTheSweepWithoutAHelloOrAPost() {
    PaymentStore store = startStore("courier-sweep");
    // GIVEN a park whose session (epoch 9) this node holds, answering "opened"
    AtomicInteger notified = new AtomicInteger();
    TestNodes.await(vertx.eventBus().<JsonObject>consumer(Addresses.park("sweep-1"), m -> {
      notified.incrementAndGet();
      m.reply(new JsonObject().put("status", "opened"));
    }).completion());
    ParkEntry held = new ParkEntry("sweep-1", "node-b", "instance-1", 9, "10.0.0.1:5000", 0, "v1", true);
    // AND a payment for it that nobody asked this node to deliver (accepted elsewhere, no POST
    // reached this courier, and the session's hello came before the payment existed)
    long now = System.currentTimeMillis();
    TestNodes.await(store.insert(Payment.accepted("swept-1", "sweep-1", 700, null, null, now, now + 600_000, "node-a")));
    PaymentCourier courier = new PaymentCourier(store, GatewayMetrics.detached(), "node-b", ATTEMPT_TIMEOUT_MS,
        park -> "sweep-1".equals(park) ? held : null);
    TestNodes.await(vertx.deployVerticle(courier));

    // WHEN the courier sweeps
    courier.sweep();

    // THEN the payment is delivered, once, and confirmed
    assertThat(TestNodes.poll(Duration.ofSeconds(10),
        () -> TestNodes.await(store.get("swept-1")).state() == PaymentState.CONFIRMED))
        .as("delivered by the sweep").isTrue();
    assertThat(notified.get()).isEqualTo(1);
  }
}
