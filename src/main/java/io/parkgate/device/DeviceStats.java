package io.parkgate.device;

/**
 * Counters of one {@link DeviceVerticle} instance, written only on its event loop. Metrics (a later
 * issue) read them through a snapshot; nothing here is shared between threads.
 */
final class DeviceStats {
  long sessionsOpened;
  long sessionsClosed;
  long heartbeats;
  long timeouts;
  long lateResponses;
  long protocolErrors;
  long authFailures;
}
