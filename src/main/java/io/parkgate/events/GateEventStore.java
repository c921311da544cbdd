package io.parkgate.events;

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
}
