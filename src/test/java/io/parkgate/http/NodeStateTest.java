package io.parkgate.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The cluster part of readiness. The fault harness (bench/faults, kill9) found that after a member
 * died every survivor reported DOWN while Hazelcast migrated partitions, so HAProxy, checking
 * /health/ready on each, had no server left and answered 503 for 3 s.
 */
class NodeStateTest {

  @Test
  void aNodeIsNotReadyUntilTheClusterWasSafeOnce() {
    NodeState state = new NodeState();
    assertThat(state.clusterCheckUp(false)).as("joined, partitions still migrating to it").isFalse();
    assertThat(state.clusterCheckUp(true)).isTrue();
  }

  @Test
  void aMigrationAfterAMemberLeftDoesNotTakeAReadyNodeOut() {
    NodeState state = new NodeState();
    state.clusterCheckUp(true);
    // WHEN a member leaves and the survivors' partitions lose their backups for a while
    // THEN every survivor stays UP, so a balancer keeps servers to send requests to
    assertThat(state.clusterCheckUp(false)).isTrue();
    assertThat(state.clusterCheckUp(false)).isTrue();
    assertThat(state.clusterCheckUp(true)).isTrue();
  }
}
