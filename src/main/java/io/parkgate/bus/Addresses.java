package io.parkgate.bus;

/** Every event-bus address parkgate uses is built here, never concatenated inline. */
public final class Addresses {

  private static final String PARK_PREFIX = "parkgate.park.";
  private static final String HOST_PREFIX = "parkgate.controller.";
  private static final String COURIER_PREFIX = "parkgate.courier.";
  private static final String WEBHOOKS_PREFIX = "parkgate.webhooks.";
  private static final String NODE_PREFIX = "parkgate.node.";
  private static final String REBALANCE = "parkgate.rebalance";

  private Addresses() {
  }

  /**
   * The address of one controller-verticle instance, for operations on the instance itself (evicting
   * a superseded session, asking which parks it holds): {@link HostOp}.
   */
  public static String controllerHost(String nodeId, int instance) {
    return HOST_PREFIX + nodeId + "." + instance;
  }

  /**
   * A park's address: every request for the park ({@link ControllerCall}) is sent here. The session
   * holding the park consumes it; the node it goes to is the one the directory names.
   */
  public static String park(String parkId) {
    return PARK_PREFIX + parkId;
  }

  /** A node's own address: what it says about itself ({@code io.parkgate.http.NodeInfo}). */
  public static String node(String nodeId) {
    return NODE_PREFIX + nodeId;
  }

  /** Published to every node: "even out the controllers now" (an operator's request). */
  public static String rebalance() {
    return REBALANCE;
  }

  /** One node's rebalancer: evacuate (or stop evacuating) this node. */
  public static String rebalance(String nodeId) {
    return REBALANCE + "." + nodeId;
  }

  /**
   * The payment courier of one node: "deliver this payment now" requests from the node that
   * accepted it, sent to the node holding the park's session.
   */
  public static String courier(String nodeId) {
    return COURIER_PREFIX + nodeId;
  }

  /**
   * The webhook deliverer of one node: "this queue has a new delivery" from the node that queued
   * it, sent to the node that delivers the queue (a hint: each deliverer also scans its queues).
   */
  public static String webhooks(String nodeId) {
    return WEBHOOKS_PREFIX + nodeId;
  }

  /** The park ID of a park's address, or null for any other address. */
  public static String parkIdOf(String address) {
    return address.startsWith(PARK_PREFIX) ? address.substring(PARK_PREFIX.length()) : null;
  }
}
