package io.parkgate.controller;

import io.parkgate.metrics.GatewayMetrics;

/** What sessions report about themselves, forwarded to the node's {@link GatewayMetrics}. */
final class ControllerStats {

  private final GatewayMetrics metrics;

  ControllerStats(GatewayMetrics metrics) {
    this.metrics = metrics;
  }

  void sessionOpened(String protocol, String tokenSecret) {
    metrics.sessionOpened(protocol);
    if (tokenSecret != null) {
      metrics.tokenSecretUsed(tokenSecret);
    }
  }

  void sessionClosed(CloseReason reason, boolean wasOnline) {
    metrics.sessionClosed(reason.name(), wasOnline);
  }

  void heartbeat(String protocol) {
    metrics.heartbeat(protocol);
  }

  void authFailure(String protocol) {
    metrics.authFailure(protocol);
  }

  void protocolError(String protocol) {
    metrics.protocolError(protocol);
  }

  void flapping() {
    metrics.parkEvent("flapping");
  }

  void duplicateController() {
    metrics.parkEvent("duplicate_controller");
  }

  void unresponsive(boolean now) {
    metrics.unresponsive(now);
  }

  /** A controller connection closed at accept while the node drains or is evacuated. */
  void refused(String reason) {
    metrics.connectionRefused("controllers", reason);
  }

  void lateResponse() {
    metrics.lateResponse();
  }
}
