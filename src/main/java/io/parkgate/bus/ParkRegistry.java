package io.parkgate.bus;

import io.vertx.core.Future;

/**
 * What the controller side needs from the cluster's directory of online parks, and no more: a
 * session's epoch, an owner-checked claim and release, and whether a node is alive. Every method
 * is asynchronous and safe from any thread. The directory ({@code io.parkgate.cluster.ParkDirectory})
 * implements it; the controller package sees only this.
 */
public interface ParkRegistry {

  /** This node's ID, as entries name it. */
  String nodeId();

  /** A new cluster-unique epoch, increasing with time. */
  Future<Long> nextEpoch();

  /**
   * Makes {@code entry} the park's current session unless the holder may not be displaced by it
   * ({@link ParkEntry#mayDisplace}).
   *
   * @return the entry it replaced, or null; fails with {@link StaleSessionException} when refused
   */
  Future<ParkEntry> claim(ParkEntry entry);

  /** Removes the park's entry only if it is still {@code entry}'s session (an owner-only delete). */
  Future<Boolean> release(ParkEntry entry);

  /** Whether a node is a live member of the cluster, as far as this node knows. */
  boolean isLive(String nodeId);
}
