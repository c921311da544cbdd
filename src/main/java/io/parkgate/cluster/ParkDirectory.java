package io.parkgate.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.flakeidgen.FlakeIdGenerator;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.security.RecordSeal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster-wide directory of online parks: a Hazelcast map {@code parkgate.parks} (parkId →
 * {@link ParkEntry} JSON, one backup) plus, on every node, a local view kept current by an entry
 * listener. Routing and "is this park online?" read the local view and cost no cluster call, so a
 * flood of requests for offline parks is answered from memory. Writes are atomic entry processors
 * (see {@link DirectoryProcessors}). Entries of a node that leaves the cluster are removed by the
 * survivors when Hazelcast removes the member.
 *
 * <p>One instance per node, shared by its verticles; every method is non-blocking and thread-safe.
 */
public final class ParkDirectory {

  private static final Logger LOG = LoggerFactory.getLogger(ParkDirectory.class);
  public static final String MAP_NAME = "parkgate.parks";
  private static final String EPOCH_GENERATOR = "parkgate.epoch";
  private static final String VERTX_NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final IMap<String, String> map;
  private final FlakeIdGenerator epochs;
  private final Set<String> liveNodes = ConcurrentHashMap.newKeySet();
  private final String nodeId;
  private final ConcurrentSkipListMap<String, ParkEntry> view = new ConcurrentSkipListMap<>();
  private final ConcurrentMap<String, Boolean> departedNodes = new ConcurrentHashMap<>();
  /** Parks recently confirmed absent by a cluster read: park ID → System.nanoTime() expiry. */
  private final ConcurrentMap<String, Long> recentMisses = new ConcurrentHashMap<>();
  private final AtomicInteger lookupsInFlight = new AtomicInteger();

  private final ForgedRecords records;

  private ParkDirectory(Vertx vertx, HazelcastInstance hazelcast, String nodeId, RecordSeal seal, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.records = new ForgedRecords(MAP_NAME, seal, metrics);
    this.hazelcast = hazelcast;
    this.nodeId = nodeId;
    this.map = hazelcast.getMap(MAP_NAME);
    this.epochs = hazelcast.getFlakeIdGenerator(EPOCH_GENERATOR);
  }

  /** Subscribes to changes, then loads the current entries (off the event loop). */
  public static Future<ParkDirectory> start(Vertx vertx, HazelcastInstance hazelcast, String nodeId, RecordSeal seal,
      GatewayMetrics metrics) {
    ParkDirectory directory = new ParkDirectory(vertx, hazelcast, nodeId, seal, metrics);
    return vertx.executeBlocking(() -> {
      directory.subscribe();
      directory.load();
      return directory;
    }, false);
  }

  public String nodeId() {
    return nodeId;
  }

  /** The local view's entry for a park, or null: no cluster call. */
  public ParkEntry lookup(String parkId) {
    return view.get(parkId);
  }

  /**
   * A confirmed absence is remembered this long. It can be long: the read only covers the few
   * milliseconds before the entry listener brings a new park into the view, the view is always
   * consulted first, and an arriving entry clears the park's miss at once.
   */
  static final long MISS_TTL_NANOS = 30_000_000_000L;
  /** Cluster reads for parks missing from the view, at most this many at once per node. */
  static final int MAX_LOOKUPS_IN_FLIGHT = 16;
  private static final int MAX_REMEMBERED_MISSES = 100_000;

  /**
   * Where the park is: the local view when it knows; otherwise (a park that came online
   * milliseconds ago may not have reached this node's view yet) one cluster read, unless the park
   * was confirmed absent within {@link #MISS_TTL_NANOS} or too many reads are already in flight.
   * So a flood of requests for offline parks costs at most one cluster read per park per 30 s, and
   * never more than {@link #MAX_LOOKUPS_IN_FLIGHT} at a time. Completes with null when offline.
   */
  public Future<ParkEntry> resolve(String parkId) {
    ParkEntry known = view.get(parkId);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    long now = System.nanoTime();
    Long missUntil = recentMisses.get(parkId);
    if (missUntil != null && missUntil - now > 0) {
      return Future.succeededFuture(null);
    }
    if (lookupsInFlight.incrementAndGet() > MAX_LOOKUPS_IN_FLIGHT) {
      lookupsInFlight.decrementAndGet();
      return Future.succeededFuture(null);
    }
    return fetch(parkId).andThen(ar -> {
      lookupsInFlight.decrementAndGet();
      if (ar.succeeded() && ar.result() == null) {
        if (recentMisses.size() >= MAX_REMEMBERED_MISSES) {
          recentMisses.clear();
        }
        recentMisses.put(parkId, System.nanoTime() + MISS_TTL_NANOS);
      }
    });
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
   * cluster and increasing with time (each node prefetches a batch, so most calls cost no network
   * round trip; a single cluster-wide counter serialised every hello of a reconnect storm on one
   * partition thread). Two hellos of the same park within the clock skew between nodes may be
   * ordered either way; the loser is refused and reconnects with a later epoch.
   */
  public Future<Long> nextEpoch() {
    // newId() blocks when it has to fetch a new batch: keep it off the event loop
    return vertx.executeBlocking(epochs::newId, false);
  }

  /** Whether a node is a live member of the cluster as far as this node knows. */
  public boolean isLive(String node) {
    return node.equals(nodeId) || liveNodes.contains(node);
  }

  /**
   * Makes {@code entry} the park's current session unless a newer one is already there.
   *
   * @return the entry it replaced, or null; fails with {@link StaleSessionException} when refused
   */
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
    view.merge(entry.parkId(), entry, ParkDirectory::newer);
    recentMisses.remove(entry.parkId());
    return Future.succeededFuture(previous);
  }

  /** Removes the park's entry if it is still this session's; a no-op after a takeover. */
  public Future<Boolean> release(ParkEntry entry) {
    view.remove(entry.parkId(), entry);
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
    Map<String, ParkEntry> tail = after == null ? view : view.tailMap(after, false);
    List<ParkEntry> page = new ArrayList<>(Math.min(limit, 1024));
    for (ParkEntry e : tail.values()) {
      if (nodeId == null || nodeId.equals(e.nodeId())) {
        page.add(e);
        if (page.size() >= limit) {
          break;
        }
      }
    }
    return page;
  }

  /** Online parks in the local view. */
  public int size() {
    return view.size();
  }

  /** Online parks per node in the local view. */
  public Map<String, Long> countByNode() {
    return view.values().stream().collect(Collectors.groupingBy(ParkEntry::nodeId, Collectors.counting()));
  }

  private static ParkEntry newer(ParkEntry a, ParkEntry b) {
    return Comparator.comparingLong(ParkEntry::epoch).compare(a, b) >= 0 ? a : b;
  }

  // ---- keeping the view current (Hazelcast event threads) ------------------------------------

  private void subscribe() {
    map.addEntryListener(new ViewUpdater(), true);
    hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        String added = vertxNodeId(event.getMember());
        if (added != null) {
          liveNodes.add(added);
        }
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        String departed = vertxNodeId(event.getMember());
        if (departed != null) {
          liveNodes.remove(departed);
          nodeLeft(departed);
        }
      }
    });
  }

  private void load() {
    for (Map.Entry<String, String> e : map.entrySet()) {
      ParkEntry entry = open(e.getKey(), e.getValue());
      if (entry != null) {
        view.merge(entry.parkId(), entry, ParkDirectory::newer);
      }
    }
    Set<String> members = new HashSet<>();
    for (Member m : hazelcast.getCluster().getMembers()) {
      members.add(vertxNodeId(m));
    }
    liveNodes.addAll(members);
    // entries left by nodes that died before this node could see them go
    view.values().stream().map(ParkEntry::nodeId).filter(n -> !members.contains(n)).distinct()
        .forEach(this::nodeLeft);
  }

  /** vertx-hazelcast's node ID is a member attribute, not the Hazelcast member UUID. */
  static String vertxNodeId(Member member) {
    return member.getAttribute(VERTX_NODE_ID_ATTRIBUTE);
  }

  private void nodeLeft(String departed) {
    if (departed.equals(nodeId)) {
      return;
    }
    departedNodes.put(departed, Boolean.TRUE);
    Set<String> keys = new HashSet<>();
    view.values().removeIf(e -> {
      if (departed.equals(e.nodeId())) {
        keys.add(e.parkId());
        return true;
      }
      return false;
    });
    if (!keys.isEmpty()) {
      LOG.info("node {} left the cluster: removing its {} parks from the directory", departed, keys.size());
      map.submitToKeys(keys, new DirectoryProcessors.ReleaseNode(departed));
    }
  }

  private final class ViewUpdater implements EntryAddedListener<String, String>,
      EntryUpdatedListener<String, String>, EntryRemovedListener<String, String>,
      EntryEvictedListener<String, String> {

    @Override
    public void entryAdded(EntryEvent<String, String> event) {
      put(event.getKey(), event.getValue());
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> event) {
      put(event.getKey(), event.getValue());
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> event) {
      remove(event.getKey(), event.getOldValue());
    }

    @Override
    public void entryEvicted(EntryEvent<String, String> event) {
      remove(event.getKey(), event.getOldValue());
    }

    private void put(String parkId, String stored) {
      ParkEntry entry = open(parkId, stored);
      if (entry != null && !departedNodes.containsKey(entry.nodeId())) {
        view.merge(entry.parkId(), entry, ParkDirectory::newer);
        recentMisses.remove(entry.parkId());
      }
    }

    private void remove(String parkId, String stored) {
      ParkEntry entry = open(parkId, stored);
      if (entry != null) {
        view.computeIfPresent(entry.parkId(), (k, current) -> current.epoch() <= entry.epoch() ? null : current);
      }
    }
  }
}
