package io.parkgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent.LifecycleState;
import com.hazelcast.instance.impl.LifecycleServiceImpl;
import io.parkgate.bus.ParkEntry;
import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.security.ClusterCredentials;
import io.parkgate.testing.TestHazelcast;
import io.parkgate.testing.TestNodes;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node merging back into the cluster after a split answers its park lookups "offline" at once
 * until its view is reloaded. Found by the fault harness (bench/faults sigstop): during the woken
 * node's merge its member is reset and the bus's routes rebuilt, and 56 fee queries sent through it
 * then waited out their whole bound (GATE_TIMEOUT) instead of the rule's immediate GATE_OFFLINE.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MergingDirectoryTest {

  private HazelcastInstance hazelcast;
  private Vertx vertx;

  @AfterEach
  void stop() {
    TestHazelcast.close(vertx, hazelcast);
  }

  @Test
  void whileTheNodeMergesAfterASplitEveryParkResolvesOfflineAndAfterItAsTheMapSays() {
    hazelcast = TestHazelcast.standalone("merging");
    vertx = Vertx.vertx();
    ParkDirectory directory = TestNodes.await(ParkDirectory.start(vertx, hazelcast, "node-m",
        ClusterCredentials.of("merging-secret-0123456789", null, null).seal(), GatewayMetrics.detached()));
    ParkEntry entry = new ParkEntry("merge-1", "node-m", "instance-1", 5, "10.0.0.1:5000", 0, "v1", true);
    TestNodes.await(directory.claim(entry));
    assertThat(TestNodes.await(directory.resolve("merge-1"))).isNotNull();
    LifecycleServiceImpl lifecycle = (LifecycleServiceImpl) hazelcast.getLifecycleService();

    // WHEN the member starts merging into another cluster
    lifecycle.fireLifecycleEvent(LifecycleState.MERGING);
    // THEN every park resolves offline at once (no request is sent into a bus being rebuilt)
    assertThat(TestNodes.await(directory.resolve("merge-1"))).isNull();

    // AND once merged (the view reloaded from the map) the park resolves again
    lifecycle.fireLifecycleEvent(LifecycleState.MERGED);
    assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> TestNodes.await(directory.resolve("merge-1")) != null))
        .as("resolved after the merge").isTrue();
  }
}
