package io.parkgate.device;

import io.parkgate.config.ParkgateConfig;
import io.parkgate.security.Allowlist;
import io.parkgate.security.ParkTokens;

/**
 * The node-wide controller admission rules, built once from the configuration and shared by the
 * node's device verticles: token verification (with its per-address failure limit) for protocol
 * v1, the allowlists for the unauthenticated legacy protocol.
 */
public final class NodeSecurity {

  final TokenVerifier tokens;
  final Allowlist legacyAllowlist;

  public NodeSecurity(ParkgateConfig config) {
    this.tokens = new TokenVerifier(config.insecureAcceptAnyToken()
        ? null : new ParkTokens(config.tokenSecret(), config.tokenSecretPrevious()));
    this.legacyAllowlist = new Allowlist(config.legacyAllowedParks(), config.legacyAllowedSources());
  }
}
