package io.parkgate.cluster;

import io.parkgate.bus.ParkEntry;
import io.parkgate.bus.Addresses;
import io.vertx.core.Completable;
import io.vertx.core.eventbus.impl.clustered.DefaultNodeSelector;
import io.vertx.core.eventbus.impl.clustered.NodeSelector;
import io.vertx.core.spi.cluster.ClusteredNode;
import io.vertx.core.spi.cluster.RegistrationUpdateEvent;
import java.util.function.Function;

/**
 * Chooses the node a message to a park's address ({@link Addresses#park}) goes to: the node the
 * directory names for the park, not a round robin over the address's registrations. Every other
 * address goes to Vert.x's own selector.
 *
 * <p>Why: vert.x picks the node from its cached copy of the subscription map, which lags behind a
 * takeover (the old node's registration lingers, the new one arrives late): a message sent to the
 * node that no longer handles the address is dropped there, and its sender waits for its whole
 * timeout (FIELD-NOTES: 27–140 ms windows on loopback). The directory's view names the session's
 * node and epoch and is kept current by the same kind of events; and when it is stale, the old
 * node's session answers {@code PARK_MOVED} (it keeps its consumer for a grace period after it
 * closes) and the sender re-reads the directory. So a park's address is the route, and the
 * directory decides where it leads.
 *
 * <p>{@code NodeSelector} is vert.x-internal API (5.0.7: {@code io.vertx.core.eventbus.impl.clustered});
 * it is installed through {@code VertxBootstrapImpl} in {@code ParkgateNode}. Thread-safe.
 */
public final class ParkNodeSelector implements NodeSelector {

  private final NodeSelector fallback = new DefaultNodeSelector();
  /** park ID → node ID, or null when the directory does not know the park; set once the directory runs. */
  private volatile Function<String, String> parkNode = id -> null;

  /** Points the selector at the directory (it exists only once the clustered Vert.x does). */
  public void useDirectory(ParkDirectory directory) {
    this.parkNode = id -> {
      ParkEntry entry = directory.lookup(id);
      return entry == null ? null : entry.nodeId();
    };
  }

  @Override
  public void init(ClusteredNode clusterManager) {
    fallback.init(clusterManager);
  }

  @Override
  public void eventBusStarted() {
    fallback.eventBusStarted();
  }

  @Override
  public void selectForSend(String address, Completable<String> promise) {
    String parkId = Addresses.parkIdOf(address);
    String node = parkId == null ? null : parkNode.apply(parkId);
    if (node != null) {
      promise.succeed(node);
    } else {
      fallback.selectForSend(address, promise);
    }
  }

  @Override
  public void selectForPublish(String address, Completable<Iterable<String>> promise) {
    fallback.selectForPublish(address, promise);
  }

  @Override
  public void registrationsUpdated(RegistrationUpdateEvent event) {
    fallback.registrationsUpdated(event);
  }

  @Override
  public void registrationsLost() {
    fallback.registrationsLost();
  }

  @Override
  public boolean wantsUpdatesFor(String address) {
    return fallback.wantsUpdatesFor(address);
  }
}
