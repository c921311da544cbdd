package io.parkgate.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.flakeidgen.FlakeIdGenerator;
import com.hazelcast.map.IMap;
import io.parkgate.bus.ParkEntry;
import io.parkgate.bus.ParkRegistry;
import io.parkgate.bus.StaleSessionException;
import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.security.RecordSeal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;

/**
 * The cluster-wide directory of online parks: a Hazelcast map {@code parkgate.parks} (parkId →
 * {@link ParkEntry} JSON, one backup) plus, on every node, a local view kept current by an entry
 * listener. Routing and "is this park online?" read the local view and cost no cluster call, so a
 * flood of requests for offline parks is answered from memory. Writes are atomic entry processors
 * (see {@link DirectoryProcessors}). Entries of a node that leaves the cluster are removed by the
 * survivors when Hazelcast removes the member.
 *
 * <p>Its parts: {@link DirectoryView} (the local copy and the membership), {@link OfflineLookups}
 * (remembered misses and the bound on cluster reads), and here the writes and the epochs. The
 * controller side sees it as a {@link ParkRegistry}.
 *
 * <p>One instance per node, shared by its verticles; every method is non-blocking and thread-safe.
 */
public final class ParkDirectory implements ParkRegistry {

  public static final String MAP_NAME = "parkgate.parks";
  static final String EPOCH_GENERATOR = "parkgate.epoch";

  private final Vertx vertx;
  private final IMap<String, String> map;
  private final FlakeIdGenerator epochs;
  private final String nodeId;
  private final ForgedRecords records;
  private final OfflineLookups lookups = new OfflineLookups();
  private final DirectoryView view;

  private ParkDirectory(Vertx vertx, HazelcastInstance hazelcast, String nodeId, RecordSeal seal, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.records = new ForgedRecords(MAP_NAME, seal, metrics);
    this.nodeId = nodeId;
    this.map = hazelcast.getMap(MAP_NAME);
    this.epochs = hazelcast.getFlakeIdGenerator(EPOCH_GENERATOR);
    this.view = new DirectoryView(hazelcast, map, nodeId, this::open, lookups::arrived);
  }

  /** Subscribes to changes, then loads the current entries (off the event loop). */
  public static Future<ParkDirectory> start(Vertx vertx, HazelcastInstance hazelcast, String nodeId, RecordSeal seal,
      GatewayMetrics metrics) {
    ParkDirectory directory = new ParkDirectory(vertx, hazelcast, nodeId, seal, metrics);
    return vertx.executeBlocking(() -> {
      directory.view.start();
      return directory;
    }, false);
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  /** The local view's entry for a park, or null: no cluster call. */
  public ParkEntry lookup(String parkId) {
    return view.get(parkId);
  }

  /**
   * Where the park is: the local view when it knows; otherwise (a park that came online
   * milliseconds ago may not have reached this node's view yet) one cluster read, unless the park
   * was confirmed absent within {@link OfflineLookups#MISS_TTL} or too many reads are already in
   * flight. So a flood of requests for offline parks costs at most one cluster read per park per
   * 30 s, and never more than {@link OfflineLookups#MAX_IN_FLIGHT} at a time. Completes with null
   * when offline, and for every park while this node merges back into the cluster after a split
   * (its member and the bus's routes are being rebuilt: a request would wait out its bound).
   */
  public Future<ParkEntry> resolve(String parkId) {
    if (view.merging()) {
      return Future.succeededFuture(null);
    }
    ParkEntry known = view.get(parkId);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    if (lookups.recentlyMissing(parkId) || !lookups.tryStartRead()) {
      return Future.succeededFuture(null);
    }
    return fetch(parkId).andThen(ar -> lookups.readEnded(parkId, ar.failed() || ar.result() != null));
  }

  /** The authoritative entry, read from the cluster. */
  public Future<ParkEntry> fetch(String parkId) {
    return HazelcastFutures.onCaller(vertx, () -> map.getAsync(parkId)).map(stored -> open(parkId, stored));
  }

  private ParkEntry open(String parkId, String stored) {
    ParkEntry entry = ParkEntry.decode(records.open(parkId, stored));
    return entry != null && parkId.equals(entry.parkId()) ? entry : null;
  }

  /**
   * A new cluster-unique epoch. Epochs come from a Hazelcast flake-ID generator: unique across the
   * cluster and increasing with time (made on the calling member, no network round trip; a single
   * cluster-wide counter serialised every hello of a reconnect storm on one partition thread), taken
   * one at a time ({@link ClusterManagers#tune}: a prefetched batch would carry its fetch time). Two
   * hellos of the same park within the clock skew between nodes may be ordered either way; the
   * loser is refused and reconnects with a later epoch.
   */
  @Override
  public Future<Long> nextEpoch() {
    // newId() blocks when it has to fetch a new batch: keep it off the event loop
    return vertx.executeBlocking(epochs::newId, false);
  }

  @Override
  public boolean isLive(String node) {
    return view.isLive(node);
  }

  @Override
  public Future<ParkEntry> claim(ParkEntry entry) {
    String sealed = records.seal(entry.parkId(), entry.encode());
    return HazelcastFutures.onCaller(vertx,
            () -> map.submitToKey(entry.parkId(), new DirectoryProcessors.Claim(sealed, entry.epoch())))
        .compose(result -> {
          boolean refused = result != null && result.startsWith(DirectoryProcessors.STALE_PREFIX);
          String old = result == null || result.isEmpty() ? null
              : refused ? result.substring(DirectoryProcessors.STALE_PREFIX.length()) : result;
          ParkEntry previous = open(entry.parkId(), old);
          if (refused && previous == null) {
            // refused by a record nobody with the secret wrote: overwrite it, unless it changed since
            return HazelcastFutures.onCaller(vertx,
                    () -> map.submitToKey(entry.parkId(), new DirectoryProcessors.ReplaceIfSame(old, sealed, 0)))
                .compose(replaced -> replaced ? claimed(entry, null)
                    : Future.failedFuture(new StaleSessionException(entry.parkId(), entry.epoch(), entry.epoch())));
          }
          if (refused) {
            return Future.failedFuture(new StaleSessionException(entry.parkId(), entry.epoch(), previous.epoch()));
          }
          return claimed(entry, previous);
        });
  }

  private Future<ParkEntry> claimed(ParkEntry entry, ParkEntry previous) {
    view.put(entry);
    return Future.succeededFuture(previous);
  }

  @Override
  public Future<Boolean> release(ParkEntry entry) {
    view.remove(entry);
    return HazelcastFutures.onCaller(vertx,
        () -> map.submitToKey(entry.parkId(), new DirectoryProcessors.Release(entry.epoch())));
  }

  /**
   * A page of the local view, ordered by park ID.
   *
   * @param after  exclusive lower bound (the last park ID of the previous page), or null
   * @param limit  page size
   * @param nodeId only entries of this node, or null for all
   */
  public List<ParkEntry> page(String after, int limit, String nodeId) {
    return view.page(after, limit, nodeId, null);
  }

  /** {@link #page(String, int, String)} of the park IDs starting with {@code prefix} (null: all). */
  public List<ParkEntry> page(String after, int limit, String nodeId, String prefix) {
    return view.page(after, limit, nodeId, prefix);
  }

  /** Online parks in the local view, of one node (or all: null) and a park-ID prefix (or all: null). */
  public int count(String nodeId, String prefix) {
    return view.count(nodeId, prefix);
  }

  /** The cluster's live nodes as this node knows them, itself included, in order. */
  public java.util.Set<String> liveNodes() {
    return view.liveNodes();
  }

  /** Online parks in the local view. */
  public int size() {
    return view.size();
  }

  /** Online parks per node in the local view. */
  public Map<String, Long> countByNode() {
    return view.countByNode();
  }
}
