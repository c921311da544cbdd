package io.parkgate.history;

import io.parkgate.bus.ParkEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The per-park history, cluster-wide: the last {@link #MAX_EVENTS} session events of each park, and
 * apart the last {@link #MAX_EVENTS} its gate reported ({@link ParkEvent#SOURCE_GATE}), each kept
 * for at least the retention (7 days by default), offline parks included. Implementations: the
 * cluster's map ({@code io.parkgate.cluster.ClusterParkHistory}, the default) and PostgreSQL
 * ({@link PostgresParkHistory}, when the payments store is postgres). Every operation is bounded by
 * the store timeout and safe from any Vert.x context.
 *
 * <p>Repeated refusals ({@link ParkEvent#foldKey()}) within {@link ParkEvent#FOLD_WINDOW_MS} of the
 * park's newest event with the same key fold into it: its {@code count} grows, its {@code at} moves,
 * its {@code firstAt} stays.
 */
public interface ParkHistory {

  /** Events kept per park, of each kind (gate-reported, and the others). */
  int MAX_EVENTS = 100;

  /** Appends one event (or folds it into the newest, see the class comment). */
  Future<Void> append(ParkEvent event);

  /**
   * The park's events, newest first: at most {@code limit}, older than sequence number
   * {@code before} (null: from the newest).
   */
  Future<Page> recent(String parkId, Long before, int limit);

  /** Closes what the store holds (timers, not a shared pool). */
  Future<Void> close();

  /**
   * A page of events in the API's form ({@link ParkEvent#toApiJson}), newest first.
   *
   * @param next the {@code before} of the next (older) page, or null when there is none
   */
  record Page(List<JsonObject> items, Long next) {

    /** The newest close in the page, or null. */
    public JsonObject lastClose() {
      return items.stream().filter(e -> ParkEvent.CLOSED.equals(e.getString("type"))).findFirst().orElse(null);
    }
  }
}
