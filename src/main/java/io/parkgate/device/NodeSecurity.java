package io.parkgate.device;

import io.parkgate.config.ParkgateConfig;
import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.security.Allowlist;
import io.parkgate.security.ParkTokens;

/**
 * What the node's device verticles share, built once: token verification (with its per-address
 * failure limit) for protocol v1, the allowlists for the unauthenticated legacy protocol, and the
 * node's metrics.
 */
public final class NodeSecurity {

  final TokenVerifier tokens;
  final Allowlist legacyAllowlist;
  final GatewayMetrics metrics;

  public NodeSecurity(ParkgateConfig config, GatewayMetrics metrics) {
    this.metrics = metrics;
    this.tokens = new TokenVerifier(config.insecureAcceptAnyToken()
        ? null : new ParkTokens(config.tokenSecret(), config.tokenSecretPrevious()));
    this.legacyAllowlist = new Allowlist(config.legacyAllowedParks(), config.legacyAllowedSources());
  }
}
