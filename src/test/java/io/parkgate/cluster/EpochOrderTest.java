package io.parkgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import io.parkgate.testing.TestHazelcast;
import io.parkgate.testing.TestNodes;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Session epochs follow the time they are taken at, whichever node takes them. Found by
 * RollingRestartTest: with Hazelcast's default prefetch (100 IDs valid for 10 minutes) a node that
 * had taken an epoch earlier handed out the next one from the same old batch, lower than the epoch
 * another node had just given the park's current session, and the controller moving over was
 * refused as stale ("a newer connection for park ... exists").
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EpochOrderTest {

  private HazelcastInstance a;
  private HazelcastInstance b;

  @AfterEach
  void stop() {
    TestHazelcast.shutdown(a, b);
  }

  @Test
  void anEpochTakenLaterOnOneNodeIsHigherThanOneTakenEarlierOnAnother() {
    a = TestHazelcast.standalone("epochs-a");
    b = TestHazelcast.standalone("epochs-b");
    // GIVEN node A took an epoch a while ago (as at an earlier hello)
    long first = a.getFlakeIdGenerator(ParkDirectory.EPOCH_GENERATOR).newId();
    long since = System.currentTimeMillis();
    assertThat(TestNodes.poll(Duration.ofSeconds(5), () -> System.currentTimeMillis() - since >= 20)).isTrue();
    // AND node B gave a park's session an epoch just now
    long onB = b.getFlakeIdGenerator(ParkDirectory.EPOCH_GENERATOR).newId();
    assertThat(TestNodes.poll(Duration.ofSeconds(5), () -> System.currentTimeMillis() - since >= 40)).isTrue();
    // WHEN the park's controller moves to node A, which takes an epoch for its new session
    long onA = a.getFlakeIdGenerator(ParkDirectory.EPOCH_GENERATOR).newId();
    // THEN the new session's epoch is the higher: it takes the park
    assertThat(onA).as("epoch taken later on A (first on A: %d)", first).isGreaterThan(onB);
  }
}
