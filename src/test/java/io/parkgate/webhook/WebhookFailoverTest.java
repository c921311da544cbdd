package io.parkgate.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.parkgate.ParkgateNode;
import io.parkgate.bus.Notification;
import io.parkgate.cluster.ClusterQueueOwners;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.config.Settings;
import io.parkgate.testing.TestNodes;
import io.parkgate.testing.TestReceiver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The node delivering a queue dies (its Hazelcast member is terminated, no goodbye): the member
 * that takes over the queue's partition delivers the rest, nothing lost, order kept.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebhookFailoverTest {

  private static final String RUN = Long.toString(System.nanoTime(), 36);

  @Test
  void whenTheDeliveringNodeDiesAnotherDeliversTheQueueInOrder() throws Exception {
    try (TestReceiver receiver = TestReceiver.start()) {
      String cluster = TestNodes.newClusterName();
      String subscription = "failover-" + RUN;
      ParkgateConfig config = TestNodes.config(cluster)
          .set(Settings.WEBHOOKS_SUBSCRIPTIONS, new JsonArray().add(new JsonObject().put("name", subscription)
              .put("url", receiver.url()).put("secret", "main").put("events", new JsonArray().add("*"))))
          .set(Settings.WEBHOOK_SECRETS, "main=" + WebhookDeliveryContract.SECRET)
          .set(Settings.WEBHOOKS_FIRST_RETRY_MS, 20L).set(Settings.WEBHOOKS_MAX_BACKOFF_S, 1)
          .build();
      ParkgateNode a = TestNodes.start(config);
      ParkgateNode b = TestNodes.start(config);
      try {
        List<HazelcastInstance> members = Hazelcast.getAllHazelcastInstances().stream()
            .filter(h -> cluster.equals(h.getConfig().getClusterName())).toList();
        assertThat(members).hasSize(2);
        assertThat(TestNodes.poll(Duration.ofSeconds(20), () -> members.get(0).getPartitionService().isClusterSafe()))
            .isTrue();
        HazelcastInstance victim = members.get(1);
        String victimId = victim.getCluster().getLocalMember().getUuid().toString();
        // GIVEN a park whose queue the victim delivers, and a receiver failing, so the queue is held there
        ClusterQueueOwners owners = new ClusterQueueOwners(members.get(0));
        String park = null;
        for (int i = 0; park == null; i++) {
          if (victimId.equals(owners.ownerOf(new QueueRef(subscription, "fo-" + i + "-" + RUN)))) {
            park = "fo-" + i + "-" + RUN;
          }
        }
        receiver.mode(TestReceiver.Mode.FAIL);
        for (int n = 0; n < 20; n++) {
          TestNodes.await(a.notifier().notify(new Notification("fo-" + RUN + "-" + n, "vehicle.entered",
              System.currentTimeMillis(), park, new JsonObject().put("n", n))));
        }
        String parkId = park;
        assertThat(TestNodes.poll(Duration.ofSeconds(20), () -> receiver.received().stream()
            .anyMatch(r -> parkId.equals(r.json().getString("parkId"))))).isTrue();
        // WHEN the victim dies without a goodbye, and the receiver recovers
        victim.getLifecycleService().terminate();
        receiver.mode(TestReceiver.Mode.OK);
        // THEN the survivor delivers all 20, each first in order
        assertThat(TestNodes.poll(Duration.ofSeconds(60), () -> receiver.answeredIds().size() == 20)).isTrue();
        List<Integer> first = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (TestReceiver.Received r : receiver.received()) {
          if (!seen.contains(r.eventId())) {
            seen.add(r.eventId());
            first.add(r.json().getJsonObject("data").getInteger("n"));
          }
        }
        assertThat(first).containsExactlyElementsOf(WebhookDeliveryContract.range(20));
      } finally {
        closeQuietly(a);
        closeQuietly(b);
      }
    }
  }

  /** One of the two lost its member: closing it may fail, which is not this test's concern. */
  private static void closeQuietly(ParkgateNode node) {
    try {
      TestNodes.close(node);
    } catch (IllegalStateException e) {
      // see above
    }
  }
}
