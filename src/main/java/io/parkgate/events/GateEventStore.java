package io.parkgate.events;

import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.GatewayException;
import io.vertx.core.Future;

/**
 * Where gate events live, the same store as payments: the cluster's map by default
 * ({@code io.parkgate.cluster.ClusterGateEventStore}), PostgreSQL when the payments store is
 * postgres ({@link PostgresGateEventStore}). Each event is stored once per {@code (parkId, eventId)}
 * and kept for the retention ({@code events.retentionS}). Every operation is asynchronous, bounded
 * by the store timeout, and fails with {@code STORE_UNAVAILABLE} when the store cannot be reached.
 */
public interface GateEventStore {

  /** The stored event, or null. */
  Future<GateEvent> get(String parkId, String eventId);

  /**
   * Stores {@code event} unless an event with its {@code (parkId, eventId)} exists; completes with
   * the stored one (this one when it was created, else the first).
   */
  Future<GateEvent> insert(GateEvent event);

  /** Releases what the store holds (timers, not a shared pool). */
  Future<Void> close();

  /** The failure of a store that could not be reached while doing {@code what}: nothing was stored. */
  static GatewayException unavailable(String what, Throwable cause) {
    return new GatewayException(ErrorCode.STORE_UNAVAILABLE, "the event store is unavailable (" + what + "): "
        + (cause == null ? "no answer" : cause.getMessage()));
  }
}
