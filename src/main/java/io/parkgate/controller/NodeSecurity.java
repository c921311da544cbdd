package io.parkgate.controller;

import io.parkgate.config.ParkgateConfig;
import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.security.Allowlist;
import io.parkgate.security.ConnectionBudget;
import io.parkgate.security.ParkTokens;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the node's controller verticles share, built once: token verification (with its failed-hello
 * limits) for protocol v1, the allowlists for the unauthenticated legacy protocol, the controller
 * connection budget (v1 and legacy listeners together), and the node's metrics.
 */
public final class NodeSecurity {

  private static final Logger LOG = LoggerFactory.getLogger(NodeSecurity.class);
  /** Open files a node needs besides its connections: jars, Hazelcast, the event bus, epoll. */
  static final long FILE_MARGIN = 1024;

  final TokenVerifier tokens;
  final Allowlist legacyAllowlist;
  final ConnectionBudget controllers;
  final GatewayMetrics metrics;

  public NodeSecurity(ParkgateConfig config, GatewayMetrics metrics) {
    this.metrics = metrics;
    this.tokens = new TokenVerifier(config.insecureAcceptAnyToken()
        ? null : new ParkTokens(config.tokenSecret(), config.tokenSecretPrevious()));
    this.legacyAllowlist = new Allowlist(config.legacyAllowedParks(), config.legacyAllowedSources());
    this.controllers = new ConnectionBudget("controllers", config.maxControllerConnections(),
        config.maxControllerConnectionsPerSource(), metrics);
    warnIfFewFiles(config);
  }

  /** One WARN when the process may run out of file descriptors before its connection limits. */
  private static void warnIfFewFiles(ParkgateConfig config) {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
      long needed = (long) config.maxControllerConnections() + config.maxHttpConnections() + FILE_MARGIN;
      long limit = os.getMaxFileDescriptorCount();
      if (limit < needed) {
        LOG.warn("open-file limit {} is below controllers.maxConnections {} + http.maxConnections {} + {}: "
            + "the node may run out of file descriptors before it refuses connections; raise ulimit -n "
            + "(or lower the limits)", limit, config.maxControllerConnections(), config.maxHttpConnections(),
            FILE_MARGIN);
      }
    }
  }
}
