package io.parkgate.bus;

/**
 * What the controller side tells the rest of its node about its sessions. Called on the session's
 * event loop; implementations hand the work to their own context and return at once.
 */
public interface SessionEvents {

  /** Nobody listens. */
  SessionEvents NONE = new SessionEvents() { };

  /** A session of {@code parkId} with {@code epoch} is online here and has answered its hello. */
  default void online(String parkId, long epoch) {
  }

  /** Something for the park's history happened (opened, closed, unresponsive, ...). */
  default void event(ParkEvent event) {
  }

  /** Tells both {@code a} and {@code b}. */
  static SessionEvents both(SessionEvents a, SessionEvents b) {
    return new SessionEvents() {
      @Override
      public void online(String parkId, long epoch) {
        a.online(parkId, epoch);
        b.online(parkId, epoch);
      }

      @Override
      public void event(ParkEvent event) {
        a.event(event);
        b.event(event);
      }
    };
  }
}
