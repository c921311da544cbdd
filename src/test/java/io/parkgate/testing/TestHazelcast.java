package io.parkgate.testing;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.util.UUID;

/** A Hazelcast member on loopback that joins nobody, for tests of the stores on the grid. */
public final class TestHazelcast {

  private TestHazelcast() {
  }

  /** A standalone member in a cluster of its own, named {@code prefix}-random. */
  public static HazelcastInstance standalone(String prefix) {
    Config config = new Config().setClusterName(prefix + "-" + UUID.randomUUID());
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    io.parkgate.cluster.ClusterManagers.tune(config); // as a node has it
    config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    return Hazelcast.newHazelcastInstance(config);
  }

  /** Closes {@code vertx} (waiting for it), then shuts {@code member} down; either may be null. */
  public static void close(io.vertx.core.Vertx vertx, HazelcastInstance member) {
    if (vertx != null) {
      TestNodes.await(vertx.close());
    }
    shutdown(member);
  }

  /** Shuts the members down, the last given first; null ones are skipped. */
  public static void shutdown(HazelcastInstance... members) {
    for (int i = members.length - 1; i >= 0; i--) {
      if (members[i] != null) {
        members[i].shutdown();
      }
    }
  }
}
