package io.parkgate.bus;

/**
 * What the controller side tells the rest of its node about its sessions. Called on the session's
 * event loop; implementations hand the work to their own context and return at once.
 */
public interface SessionEvents {

  /** Nobody listens. */
  SessionEvents NONE = (parkId, epoch) -> { };

  /** A session of {@code parkId} with {@code epoch} is online here and has answered its hello. */
  void online(String parkId, long epoch);
}
