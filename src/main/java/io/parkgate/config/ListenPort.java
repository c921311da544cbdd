package io.parkgate.config;

/**
 * One listener's port as configured: off, a fixed port, or any free port. Several verticle
 * instances serve one listener, so "any free port" must be one port for all of them: Vert.x gives
 * every server of one Vert.x instance that listens on the same negative port one shared random
 * port (with 0, each instance would bind its own). {@link #bindValue} hides that rule: each
 * listener kind binds its own negative value.
 *
 * @param listener   which listener
 * @param configured the configured port: null = off, 0 = any free port, else the port
 */
public record ListenPort(Listener listener, Integer configured) {

  /** The node's listeners. */
  public enum Listener { CONTROLLER, HTTP, LEGACY }

  public ListenPort {
    if (configured != null && (configured < 0 || configured > 65_535)) {
      throw new IllegalArgumentException(listener + " port must be 0..65535 or off: " + configured);
    }
  }

  public boolean isOff() {
    return configured == null;
  }

  /** The value for {@code listen()}: the port, or the listener's shared random port. */
  public int bindValue() {
    if (configured == null) {
      throw new IllegalStateException(listener + " listener is off");
    }
    return configured == 0 ? -(listener.ordinal() + 1) : configured;
  }

  @Override
  public String toString() {
    return configured == null ? "off" : configured == 0 ? "any" : configured.toString();
  }
}
