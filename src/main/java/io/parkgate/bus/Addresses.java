package io.parkgate.bus;

/** Every event-bus address parkgate uses is built here, never concatenated inline. */
public final class Addresses {

  private static final String PARK_PREFIX = "parkgate.park.";
  private static final String HOST_PREFIX = "parkgate.device.";

  private Addresses() {
  }

  /**
   * The address of one device-verticle instance: the directory routes a park's requests here,
   * straight to the event loop that holds its socket.
   */
  public static String deviceHost(String nodeId, int instance) {
    return HOST_PREFIX + nodeId + "." + instance;
  }

  /** The address the session of a connected park consumes, one per park ID. */
  public static String park(String parkId) {
    return PARK_PREFIX + parkId;
  }
}
