package io.parkgate.cluster;

import io.parkgate.testing.TestHazelcast;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.hazelcast.config.Config;
import com.hazelcast.config.PartitionGroupConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.parkgate.testing.LogCapture;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Zone-aware partition groups keep no backups when the members do not span two known zones;
 * Hazelcast says nothing about it, so parkgate warns (the Kubernetes config uses ZONE_AWARE).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ZoneWarningTest {

  private HazelcastInstance one;
  private HazelcastInstance two;

  private static Config member(String cluster, String zone) {
    Config config = new Config().setClusterName(cluster);
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true).setMembers(List.of("127.0.0.1"));
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setPartitionGroupConfig(new PartitionGroupConfig().setEnabled(true)
        .setGroupType(PartitionGroupConfig.MemberGroupType.ZONE_AWARE));
    config.getMemberAttributeConfig().setAttribute(ClusterManagers.ZONE_ATTRIBUTE, zone);
    return config;
  }

  private List<String> warnings(String zoneOne, String zoneTwo) {
    String cluster = "zones-" + UUID.randomUUID();
    one = Hazelcast.newHazelcastInstance(member(cluster, zoneOne));
    two = Hazelcast.newHazelcastInstance(member(cluster, zoneTwo));
    assertThat(one.getCluster().getMembers()).hasSize(2);
    try (LogCapture log = LogCapture.of(ClusterManagers.class, Level.WARN)) {
      ClusterManagers.checkZones(one, Set.copyOf(one.getCluster().getMembers()));
      return log.events().stream().map(e -> e.getFormattedMessage()).toList();
    }
  }

  @AfterEach
  void stop() {
    TestHazelcast.shutdown(one, two);
  }

  @Test
  void membersAllInOneZoneAreWarnedAbout() {
    assertThat(warnings("zone-a", "zone-a")).singleElement().asString().contains("NO backups").contains("zone-a=2");
  }

  @Test
  void membersInTwoZonesAreFine() {
    assertThat(warnings("zone-a", "zone-b")).isEmpty();
  }
}
