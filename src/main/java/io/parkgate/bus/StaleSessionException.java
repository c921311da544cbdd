package io.parkgate.bus;

/** A session tried to claim its park while the directory already holds a newer session. */
public final class StaleSessionException extends RuntimeException {
  public StaleSessionException(String parkId, long epoch, long newer) {
    super("park " + parkId + ": session epoch " + epoch + " superseded by " + newer, null, false, false);
  }
}
