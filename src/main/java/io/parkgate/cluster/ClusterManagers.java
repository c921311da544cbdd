package io.parkgate.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.config.XmlConfigBuilder;
import io.parkgate.config.ConfigException;
import io.parkgate.config.ParkgateConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.FileNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the Hazelcast cluster manager from parkgate's configuration. */
public final class ClusterManagers {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterManagers.class);

  private ClusterManagers() {
  }

  /**
   * Loads the Hazelcast configuration ({@code clusterConfig} file, else {@code cluster.xml} from the
   * classpath, which is {@code conf/cluster.xml} packaged in the jar) and applies the cluster name
   * override. The instance name lets the node find its {@code HazelcastInstance} afterwards
   * (vertx-hazelcast 5.0.7 does not expose it).
   */
  public static HazelcastClusterManager create(ParkgateConfig config, String instanceName) {
    Config hz = load(config.clusterConfig());
    if (config.clusterName() != null) {
      hz.setClusterName(config.clusterName());
    }
    hz.setInstanceName(instanceName);
    bindToClusterHost(hz, config.clusterHost());
    tune(hz);
    if (DEFAULT_NAME.equals(hz.getClusterName()) && !config.clusterHost().startsWith("127.")) {
      LOG.warn("the Hazelcast cluster name is the default '{}' on {}: set cluster.name, and keep port {} reachable"
          + " by parkgate nodes only (docs/security.md)", DEFAULT_NAME, config.clusterHost(),
          hz.getNetworkConfig().getPort());
    }
    return new HazelcastClusterManager(hz);
  }

  /**
   * What parkgate's code relies on, whatever the cluster file says: the history's appends change
   * one element of a park's list in place (ClusterParkHistory, OBJECT format); and session epochs
   * are taken one at a time, never from a prefetched batch. Hazelcast's flake-ID generator
   * prefetches 100 IDs valid for 10 minutes by default, so a node could hand out an epoch stamped
   * minutes ago, lower than the one another node gave the park's current session seconds ago: the
   * controller's new hello was then refused as stale, and a controller moving off a draining node
   * lost its park until the grace closed the old session (RollingRestartTest, 66 of 3,790 answered
   * GATE_OFFLINE once). On a member a single ID is made locally (time, sequence, member bits): no
   * network round trip, so nothing is lost by not batching.
   */
  public static void tune(Config hz) {
    hz.getMapConfig(ClusterParkHistory.MAP_NAME).setInMemoryFormat(InMemoryFormat.OBJECT);
    hz.getFlakeIdGeneratorConfig(ParkDirectory.EPOCH_GENERATOR).setPrefetchCount(1);
  }

  /**
   * Hazelcast binds 0.0.0.0 by default even when {@code <interfaces>} names one: bind only the
   * chosen interface (unless the file says otherwise), and let {@code cluster.host}, when it is an
   * IP address, be that interface, so one setting places both the event bus and Hazelcast.
   */
  static void bindToClusterHost(Config hz, String clusterHost) {
    if (hz.getProperty(BIND_ANY) == null) {
      hz.setProperty(BIND_ANY, "false");
    }
    if (clusterHost != null && IPV4.matcher(clusterHost).matches()) {
      hz.getNetworkConfig().getInterfaces().setEnabled(true).clear().addInterface(clusterHost);
    }
  }

  private static final String DEFAULT_NAME = "parkgate";
  private static final String BIND_ANY = "hazelcast.socket.bind.any";
  private static final java.util.regex.Pattern IPV4 = java.util.regex.Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  /** Logs every member that joins or leaves, with its address, at INFO. */
  public static void logMembership(HazelcastInstance hazelcast) {
    hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        log("cluster member joined", event);
        checkZones(hazelcast, event.getMembers());
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        log("cluster member left", event);
        checkZones(hazelcast, event.getMembers());
      }

      private void log(String what, MembershipEvent event) {
        Member m = event.getMember();
        LOG.atInfo().setMessage(what).addKeyValue("address", m.getAddress())
            .addKeyValue("member", m.getUuid()).addKeyValue("node", m.getAttribute("__vertx.nodeId"))
            .addKeyValue("zone", m.getAttribute(ZONE_ATTRIBUTE))
            .addKeyValue("members", event.getMembers().size()).log();
      }
    });
    LOG.info("cluster members at start: {}", hazelcast.getCluster().getMembers());
    checkZones(hazelcast, hazelcast.getCluster().getMembers());
  }

  /** The member attribute Hazelcast's discovery fills with the member's availability zone. */
  static final String ZONE_ATTRIBUTE = "hazelcast.partition.group.zone";

  /**
   * With ZONE_AWARE partition groups, backups go to another zone: with fewer than two known zones
   * among two or more members Hazelcast keeps no backup at all, silently (readiness stays UP).
   * That is said here, once per membership change, as a WARN.
   */
  static void checkZones(HazelcastInstance hazelcast, java.util.Set<Member> members) {
    var groups = hazelcast.getConfig().getPartitionGroupConfig();
    if (!groups.isEnabled() || groups.getGroupType() != com.hazelcast.config.PartitionGroupConfig.MemberGroupType.ZONE_AWARE
        || members.size() < 2) {
      return;
    }
    java.util.Map<String, Long> byZone = members.stream().collect(java.util.stream.Collectors.groupingBy(
        m -> String.valueOf(m.getAttribute(ZONE_ATTRIBUTE)), java.util.TreeMap::new, java.util.stream.Collectors.counting()));
    if (byZone.size() < 2 || byZone.containsKey("null") || byZone.containsKey("unknown")) {
      LOG.warn("zone-aware partition groups, but the {} members are in the zones {}: with fewer than two known zones"
          + " Hazelcast keeps NO backups (one member's death loses data); use Kubernetes API discovery, spread the pods"
          + " over zones, or the single-zone config (k8s/components/single-zone)", members.size(), byZone);
    }
  }

  static Config load(String file) {
    if (file == null) {
      return ConfigUtil.loadConfig();
    }
    try {
      return new XmlConfigBuilder(file).build();
    } catch (FileNotFoundException e) {
      throw new ConfigException("cluster-config: file not found: " + file);
    } catch (RuntimeException e) {
      throw new ConfigException("cluster-config: " + file + " is not a valid Hazelcast XML file: " + e.getMessage());
    }
  }
}
