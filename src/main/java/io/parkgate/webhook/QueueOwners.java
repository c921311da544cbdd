package io.parkgate.webhook;

/**
 * Which node delivers a queue: one node per queue at a time, so a park's deliveries to one
 * subscription go out one after the other, in order. The cluster implementation
 * ({@code io.parkgate.cluster.ClusterQueueOwners}) names the member owning the queue key's
 * Hazelcast partition, whichever store holds the deliveries.
 */
public interface QueueOwners {

  /** This node's id. */
  String self();

  /** The node that delivers {@code queue} now; null while nobody does (its partition is migrating). */
  String ownerOf(QueueRef queue);

  default boolean ownedHere(QueueRef queue) {
    return self().equals(ownerOf(queue));
  }
}
