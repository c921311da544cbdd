package io.parkgate.controller;

/** Why a session ended; logged and counted (the metric's {@code reason} label, lower case). */
enum CloseReason {
  PEER_CLOSED("closed by the controller or its network"),
  IDLE(null),
  HELLO_TIMEOUT(null),
  ADMISSION_TIMEOUT(null),
  PROTOCOL_ERROR(null),
  LINE_TOO_LONG(null),
  AUTH("token refused"),
  BANNED(null),
  TAKEOVER(null),
  DRAIN("the node drained"),
  SERVER_STOP("the node stopped"),
  TIMEOUT_RESYNC("a request timed out; the legacy line cannot tell late answers apart, so it is reset"),
  SLOW_CONSUMER("the controller did not read what it was sent"),
  ERROR(null);

  /** What the history says when the close came without its own text. */
  final String defaultDetail;

  CloseReason(String defaultDetail) {
    this.defaultDetail = defaultDetail;
  }

  /** The reason as logs, metrics and the history name it. */
  String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
