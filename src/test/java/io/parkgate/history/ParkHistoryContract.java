package io.parkgate.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.bus.ParkEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every {@link ParkHistory} must do; each store's test extends this class. Park IDs are unique
 * per test, so the store need not be emptied between tests.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class ParkHistoryContract {

  protected abstract ParkHistory history();

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static String unique(String prefix) {
    return prefix + "-" + System.nanoTime();
  }

  private static ParkEvent closed(String park, long at, String reason, boolean wasOnline) {
    return new ParkEvent(park, ParkEvent.CLOSED, at, new JsonObject().put("reason", reason).put("wasOnline", wasOnline)
        .put("detail", "because " + reason).put("node", "n1"));
  }

  private static List<String> reasons(ParkHistory.Page page) {
    List<String> out = new ArrayList<>();
    page.items().forEach(e -> out.add(e.getString("reason")));
    return out;
  }

  @Test
  void eventsComeBackNewestFirstWithTheirFieldsAndIsoTimes() throws Exception {
    String park = unique("order");
    long t0 = 1_780_000_000_000L;
    await(history().append(new ParkEvent(park, ParkEvent.OPENED, t0, new JsonObject().put("node", "n1").put("epoch", 7))));
    await(history().append(closed(park, t0 + 1_000, "idle", true)));
    ParkHistory.Page page = await(history().recent(park, null, 10));
    assertThat(page.items()).hasSize(2);
    assertThat(page.items().get(0).getString("type")).isEqualTo(ParkEvent.CLOSED);
    assertThat(page.items().get(0).getString("reason")).isEqualTo("idle");
    assertThat(page.items().get(0).getString("at")).isEqualTo("2026-05-28T20:26:41Z");
    assertThat(page.items().get(1).getLong("epoch")).isEqualTo(7L);
    assertThat(page.items().get(0).getLong("seq")).isGreaterThan(page.items().get(1).getLong("seq"));
    assertThat(page.next()).isNull();
    assertThat(page.lastClose().getString("reason")).isEqualTo("idle");
    assertThat(page.items().get(0).containsKey("foldKey")).isFalse();
  }

  @Test
  void pagesWalkBackwardsWithBeforeUntilNextIsNull() throws Exception {
    String park = unique("pages");
    long t0 = System.currentTimeMillis();
    for (int i = 0; i < 5; i++) {
      await(history().append(closed(park, t0 + i, "r" + i, true)));
    }
    ParkHistory.Page first = await(history().recent(park, null, 2));
    ParkHistory.Page second = await(history().recent(park, first.next(), 2));
    ParkHistory.Page third = await(history().recent(park, second.next(), 2));
    assertThat(reasons(first)).containsExactly("r4", "r3");
    assertThat(reasons(second)).containsExactly("r2", "r1");
    assertThat(reasons(third)).containsExactly("r0");
    assertThat(third.next()).isNull();
  }

  @Test
  void onlyTheLastHundredEventsOfAParkAreKept() throws Exception {
    String park = unique("trim");
    long t0 = System.currentTimeMillis();
    for (int i = 0; i < ParkHistory.MAX_EVENTS + 5; i++) {
      await(history().append(closed(park, t0 + i, "r" + i, true)));
    }
    ParkHistory.Page all = await(history().recent(park, null, ParkHistory.MAX_EVENTS));
    assertThat(all.items()).hasSize(ParkHistory.MAX_EVENTS);
    assertThat(all.items().get(0).getString("reason")).isEqualTo("r" + (ParkHistory.MAX_EVENTS + 4));
    assertThat(all.items().get(ParkHistory.MAX_EVENTS - 1).getString("reason")).isEqualTo("r5");
    assertThat(all.next()).isNull();
  }

  @Test
  void gateReportedEventsAreCappedApartSoABusyGateNeverPushesSessionEventsOut() throws Exception {
    String park = unique("kinds");
    long t0 = System.currentTimeMillis();
    await(history().append(closed(park, t0, "idle", true)));
    for (int i = 0; i < ParkHistory.MAX_EVENTS + 5; i++) {
      await(history().append(new ParkEvent(park, "vehicle.entered", t0 + 1 + i,
          new JsonObject().put("source", ParkEvent.SOURCE_GATE).put("eventId", "e" + i))));
    }
    ParkHistory.Page all = await(history().recent(park, null, 2 * ParkHistory.MAX_EVENTS));
    List<JsonObject> gate = all.items().stream().filter(e -> ParkEvent.SOURCE_GATE.equals(e.getString("source"))).toList();
    assertThat(gate).hasSize(ParkHistory.MAX_EVENTS);
    assertThat(gate.get(0).getString("eventId")).isEqualTo("e" + (ParkHistory.MAX_EVENTS + 4));
    assertThat(gate.get(gate.size() - 1).getString("eventId")).isEqualTo("e5");
    assertThat(all.items()).hasSize(ParkHistory.MAX_EVENTS + 1);
    assertThat(all.lastClose().getString("reason")).isEqualTo("idle");
  }

  @Test
  void repeatedRefusalsFoldIntoOneEventWithACountButOnlineClosesNever() throws Exception {
    String park = unique("fold");
    long t0 = System.currentTimeMillis();
    await(history().append(closed(park, t0, "idle", true)));
    await(history().append(closed(park, t0 + 1, "idle", true)));
    for (int i = 0; i < 5; i++) {
      await(history().append(closed(park, t0 + 10 + i, "auth", false)));
    }
    // past the fold window (from the folded event's newest time), a refusal stands alone again
    await(history().append(closed(park, t0 + 14 + ParkEvent.FOLD_WINDOW_MS + 1, "auth", false)));
    ParkHistory.Page page = await(history().recent(park, null, 10));
    assertThat(reasons(page)).containsExactly("auth", "auth", "idle", "idle");
    assertThat(page.items().get(1).getInteger("count")).isEqualTo(5);
    assertThat(page.items().get(1).getString("firstAt")).isNotNull();
    assertThat(page.items().get(0).containsKey("count")).isFalse();
  }

  @Test
  void aParkWithoutHistoryHasAnEmptyPage() throws Exception {
    ParkHistory.Page page = await(history().recent(unique("none"), null, 10));
    assertThat(page.items()).isEmpty();
    assertThat(page.next()).isNull();
    assertThat(page.lastClose()).isNull();
  }
}
