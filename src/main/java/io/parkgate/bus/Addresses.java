package io.parkgate.bus;

/** Every event-bus address parkgate uses is built here, never concatenated inline. */
public final class Addresses {

  private static final String PARK_PREFIX = "parkgate.park.";

  private Addresses() {
  }

  /** The address the session of a connected park consumes, one per park ID. */
  public static String park(String parkId) {
    return PARK_PREFIX + parkId;
  }
}
