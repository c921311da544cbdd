package io.parkgate.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import io.parkgate.config.ConfigException;
import io.parkgate.config.ParkgateConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.FileNotFoundException;

/** Builds the Hazelcast cluster manager from parkgate's configuration. */
public final class ClusterManagers {

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
    return new HazelcastClusterManager(hz);
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
