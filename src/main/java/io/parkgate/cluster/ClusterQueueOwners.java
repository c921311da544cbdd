package io.parkgate.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.Partition;
import io.parkgate.webhook.QueueOwners;
import io.parkgate.webhook.QueueRef;

/**
 * A webhook queue is delivered by the owner of its key's Hazelcast partition (the key the cluster
 * outbox keeps the queue under, so the owner reads it locally). When that member leaves or dies,
 * Hazelcast promotes a backup and the new owner's scan picks the queue up; on a join, partitions
 * migrate and the queue moves with its partition. Reading the partition table is local, no call.
 */
public final class ClusterQueueOwners implements QueueOwners {

  private final HazelcastInstance hazelcast;
  private final String self;

  /** Nodes are named by their Hazelcast member UUID here (the partition table's names). */
  public ClusterQueueOwners(HazelcastInstance hazelcast) {
    this.hazelcast = hazelcast;
    this.self = hazelcast.getCluster().getLocalMember().getUuid().toString();
  }

  @Override
  public String self() {
    return self;
  }

  @Override
  public String ownerOf(QueueRef queue) {
    Partition partition = hazelcast.getPartitionService().getPartition(queue.key());
    Member owner = partition == null ? null : partition.getOwner();
    return owner == null ? null : owner.getUuid().toString();
  }
}
