package io.parkgate.payments;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every {@link PaymentStore} must do; each implementation's test extends this class and
 * provides a fresh store. Ids are unique per test, so the store need not be emptied between tests.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class PaymentStoreContract {

  /** The store under test (the same instance for all tests of a class is fine). */
  protected abstract PaymentStore store();

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static Payment accepted(String id, String park, long acceptedAt) {
    return Payment.accepted(id, park, 800, "1", "ABC", acceptedAt, acceptedAt + 600_000, "node-1");
  }

  private static String unique(String prefix) {
    return prefix + "-" + System.nanoTime();
  }

  @Test
  void aPaymentIdIsRecordedOnceAndASecondInsertAnswersTheFirstRecord() throws Exception {
    // GIVEN a stored payment
    String id = unique("once");
    long now = System.currentTimeMillis();
    PaymentStore.Inserted first = await(store().insert(accepted(id, "p1", now)));
    // WHEN the same paymentId is inserted again, with other fields
    PaymentStore.Inserted second = await(store().insert(Payment.accepted(id, "p2", 5, null, null, now, now + 1, "n2")));
    // THEN the second did not create anything and answers the first record
    assertThat(first.created()).isTrue();
    assertThat(second.created()).isFalse();
    assertThat(second.payment().parkId()).isEqualTo("p1");
    assertThat(second.payment().amount()).isEqualTo(800);
    assertThat(await(store().get(id))).isEqualTo(first.payment());
  }

  @Test
  void aReplaceWritesOnlyOverTheVersionItWasMadeFrom() throws Exception {
    // GIVEN a stored payment, and two transitions made from the same version
    String id = unique("cas");
    long now = System.currentTimeMillis();
    Payment stored = await(store().insert(accepted(id, "p1", now))).payment();
    Payment sent = stored.sent(7, now + 10_000, now, "node-1");
    Payment cancelled = stored.cancelled(now, "node-2");
    // WHEN both are written
    boolean firstWins = await(store().replace(stored, sent));
    boolean secondWins = await(store().replace(stored, cancelled));
    // THEN only the first is; the record is sent, with its history, and cannot be moved from a stale version
    assertThat(firstWins).isTrue();
    assertThat(secondWins).isFalse();
    Payment now2 = await(store().get(id));
    assertThat(now2.state()).isEqualTo(PaymentState.SENT);
    assertThat(now2.attempts()).isEqualTo(1);
    assertThat(now2.epoch()).isEqualTo(7);
    assertThat(now2.history().size()).isEqualTo(2);
  }

  @Test
  void updateRetriesOnConflictAndNeverMovesAStateBackwards() throws Exception {
    // GIVEN a confirmed payment
    String id = unique("upd");
    long now = System.currentTimeMillis();
    Payment stored = await(store().insert(accepted(id, "p1", now))).payment();
    Payment sent = stored.sent(3, now + 1000, now, "n");
    assertThat(await(store().replace(stored, sent))).isTrue();
    assertThat(await(store().update(id, p -> p.answered(PaymentState.CONFIRMED,
        new io.vertx.core.json.JsonObject().put("status", "opened"), now, "n"))).state()).isEqualTo(PaymentState.CONFIRMED);
    // WHEN something tries to cancel it
    Future<Payment> cancel = store().update(id, p -> p.state() == PaymentState.ACCEPTED ? p.cancelled(now, "n") : null);
    // THEN nothing changes
    assertThat(await(cancel).state()).isEqualTo(PaymentState.CONFIRMED);
    assertThat(await(store().get(id)).result().getString("status")).isEqualTo("opened");
    assertThat(await(store().update(unique("absent"), p -> p))).isNull();
  }

  @Test
  void aParksPaymentsAreListedByStateInPaymentIdOrderAndPaged() throws Exception {
    // GIVEN three payments of one park (one of them final) and one of another park
    String park = unique("park");
    long now = System.currentTimeMillis();
    Payment b = await(store().insert(accepted("b-" + park, park, now))).payment();
    await(store().insert(accepted("a-" + park, park, now + 1)));
    await(store().insert(accepted("c-" + park, park, now + 2)));
    await(store().insert(accepted("x-" + park, unique("other"), now)));
    assertThat(await(store().replace(b, b.cancelled(now, "n")))).isTrue();
    // WHEN the park's pending payments are listed, two at a time
    List<Payment> page1 = await(store().byPark(park, PaymentState.PENDING, null, 2));
    List<Payment> page2 = await(store().byPark(park, PaymentState.PENDING, page1.get(page1.size() - 1).paymentId(), 2));
    // THEN they come in paymentId order, without the final one or the other park's
    assertThat(page1).extracting(Payment::paymentId).containsExactly("a-" + park, "c-" + park);
    assertThat(page2).isEmpty();
    assertThat(await(store().byPark(park, Set.of(PaymentState.CANCELLED), null, 10)))
        .extracting(Payment::paymentId).containsExactly("b-" + park);
    // AND delivery order is acceptance order
    assertThat(await(store().pending(park))).extracting(Payment::paymentId).containsExactly("a-" + park, "c-" + park);
  }

  @Test
  void theParksWithPendingPaymentsNameEachParkThatHasOneAndDropItOnceARunFindsNone() throws Exception {
    long now = System.currentTimeMillis();
    String park = unique("sweep");
    Payment p = await(store().insert(accepted(unique("pw"), park, now))).payment();
    assertThat(await(store().parksWithPending())).contains(park);
    assertThat(await(store().replace(p, p.cancelled(now, "n")))).isTrue();
    assertThat(await(store().pending(park))).isEmpty(); // a delivery run that finds nothing
    assertThat(await(store().parksWithPending())).doesNotContain(park);
  }

  @Test
  void aParkWithNothingPendingHasAnEmptyPendingList() throws Exception {
    assertThat(await(store().pending(unique("empty")))).isEmpty();
  }
}
