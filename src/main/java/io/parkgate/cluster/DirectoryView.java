package io.parkgate.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.parkgate.bus.ParkEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's copy of the directory: every online park's entry, kept current by an entry listener
 * on the cluster map, and the cluster's live members. Reads cost no cluster call. When a member
 * leaves, its parks leave the view at once and the survivors remove its entries from the map.
 * Written by Hazelcast event threads, read from any thread.
 */
final class DirectoryView {

  private static final Logger LOG = LoggerFactory.getLogger(DirectoryView.class);
  private static final String VERTX_NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  private final HazelcastInstance hazelcast;
  private final IMap<String, String> map;
  private final String nodeId;
  /** Opens a stored (sealed) value: the entry, or null when it is not one this cluster wrote. */
  private final BiFunction<String, String, ParkEntry> open;
  /** Told of every park that arrives in the view. */
  private final Consumer<String> arrived;
  private final ConcurrentSkipListMap<String, ParkEntry> parks = new ConcurrentSkipListMap<>();
  private final Set<String> liveNodes = ConcurrentHashMap.newKeySet();
  private final ConcurrentMap<String, Boolean> departedNodes = new ConcurrentHashMap<>();
  /** From Hazelcast's MERGING until the view is reloaded after MERGED (or the merge failed). */
  private volatile boolean merging;

  DirectoryView(HazelcastInstance hazelcast, IMap<String, String> map, String nodeId,
      BiFunction<String, String, ParkEntry> open, Consumer<String> arrived) {
    this.hazelcast = hazelcast;
    this.map = map;
    this.nodeId = nodeId;
    this.open = open;
    this.arrived = arrived;
  }

  /** Subscribes to the map and the membership, then loads what is there. Blocking: not on an event loop. */
  void start() {
    map.addEntryListener(new Updater(), true);
    hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        String added = vertxNodeId(event.getMember());
        if (added != null) {
          liveNodes.add(added);
          // a node seen leaving (a split) that is back: its entries count again
          departedNodes.remove(added);
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
    // after a split heals, this member's data was merged into the other side's: read it all again.
    // While it merges, its member is reset and the event bus's view of the other nodes rebuilt:
    // a request sent then waited out its whole bound (bench/faults sigstop: 56 GATE_TIMEOUT from the
    // woken node during its merge), so the HTTP side answers at once instead (ParkDirectory.resolve)
    hazelcast.getLifecycleService().addLifecycleListener(event -> {
      switch (event.getState()) {
        case MERGING -> merging = true;
        case MERGED -> java.util.concurrent.CompletableFuture.runAsync(this::reload);
        case MERGE_FAILED -> merging = false;
        default -> { }
      }
    });
    load();
    Set<String> members = new HashSet<>();
    for (Member m : hazelcast.getCluster().getMembers()) {
      String id = vertxNodeId(m);
      if (id != null) { // a member that is not a parkgate node (a bare Hazelcast member in a test)
        members.add(id);
      }
    }
    liveNodes.addAll(members);
    // entries left by nodes that died before this node could see them go
    parks.values().stream().map(ParkEntry::nodeId).filter(n -> !members.contains(n)).distinct()
        .forEach(this::nodeLeft);
  }

  private Set<String> load() {
    Set<String> seen = new HashSet<>();
    for (Map.Entry<String, String> e : map.entrySet()) {
      ParkEntry entry = open.apply(e.getKey(), e.getValue());
      if (entry != null) {
        seen.add(entry.parkId());
        put(entry);
      }
    }
    return seen;
  }

  /** The view again from the map, once the cluster merged after a split: entries the map lost go too. */
  private void reload() {
    try {
      Set<String> members = new HashSet<>();
      for (Member m : hazelcast.getCluster().getMembers()) {
        String id = vertxNodeId(m);
        if (id != null) {
          members.add(id);
        }
      }
      // never empty in between: isLive() decides whether a takeover must evict on another node
      liveNodes.addAll(members);
      liveNodes.retainAll(members);
      departedNodes.keySet().removeAll(members);
      // what the view held before reading the map: an entry that the map does not have is dropped
      // only if it is still the one held then (one the listener put meanwhile stays: bench/faults
      // sigstop once lost a park's entry that came online during the reload)
      Map<String, ParkEntry> before = new java.util.HashMap<>(parks);
      Set<String> seen = load();
      before.forEach((id, held) -> {
        if (!seen.contains(id)) {
          parks.remove(id, held);
        }
      });
      LOG.info("cluster merged after a split: directory view reloaded, {} parks", parks.size());
    } catch (RuntimeException e) {
      LOG.warn("cluster merged after a split, but the directory view could not be reloaded: {}", e.toString());
    } finally {
      merging = false;
    }
  }

  /** Whether this member is merging into another cluster after a split (see {@link #start}). */
  boolean merging() {
    return merging;
  }

  ParkEntry get(String parkId) {
    return parks.get(parkId);
  }

  /** Records an entry this node wrote itself, ahead of its listener event. */
  void put(ParkEntry entry) {
    parks.merge(entry.parkId(), entry, DirectoryView::newer);
    arrived.accept(entry.parkId());
  }

  /** Forgets an entry this node released itself (only if it is still that one). */
  void remove(ParkEntry entry) {
    parks.remove(entry.parkId(), entry);
  }

  boolean isLive(String node) {
    return node.equals(nodeId) || liveNodes.contains(node);
  }

  /**
   * A page ordered by park ID, after {@code after} (exclusive, null = from the start), of one node
   * or all, of the IDs starting with {@code prefix} (null or empty: all).
   */
  List<ParkEntry> page(String after, int limit, String node, String prefix) {
    Map<String, ParkEntry> tail = withPrefix(after == null ? parks : parks.tailMap(after, false), prefix);
    List<ParkEntry> page = new ArrayList<>(Math.min(limit, 1024));
    for (ParkEntry e : tail.values()) {
      if (node == null || node.equals(e.nodeId())) {
        page.add(e);
        if (page.size() >= limit) {
          break;
        }
      }
    }
    return page;
  }

  int size() {
    return parks.size();
  }

  /** Parks whose ID starts with {@code prefix}, of one node or all. */
  int count(String node, String prefix) {
    Map<String, ParkEntry> range = withPrefix(parks, prefix);
    if (node == null) {
      return range == parks ? parks.size() : range.size();
    }
    int n = 0;
    for (ParkEntry e : range.values()) {
      if (node.equals(e.nodeId())) {
        n++;
      }
    }
    return n;
  }

  private static java.util.NavigableMap<String, ParkEntry> withPrefix(java.util.NavigableMap<String, ParkEntry> map,
      String prefix) {
    if (prefix == null || prefix.isEmpty()) {
      return map;
    }
    return map.subMap(prefix, true, prefix + Character.MAX_VALUE, false);
  }

  /** The nodes this node knows to be live members, itself included. */
  java.util.Set<String> liveNodes() {
    java.util.Set<String> out = new java.util.TreeSet<>(liveNodes);
    out.add(nodeId);
    return out;
  }

  Map<String, Long> countByNode() {
    return parks.values().stream().collect(Collectors.groupingBy(ParkEntry::nodeId, Collectors.counting()));
  }

  /** vertx-hazelcast's node ID is a member attribute, not the Hazelcast member UUID. */
  static String vertxNodeId(Member member) {
    return member.getAttribute(VERTX_NODE_ID_ATTRIBUTE);
  }

  private static ParkEntry newer(ParkEntry a, ParkEntry b) {
    return Comparator.comparingLong(ParkEntry::epoch).compare(a, b) >= 0 ? a : b;
  }

  private void nodeLeft(String departed) {
    if (departed.equals(nodeId)) {
      return;
    }
    departedNodes.put(departed, Boolean.TRUE);
    Set<String> keys = new HashSet<>();
    parks.values().removeIf(e -> {
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

  private final class Updater implements EntryAddedListener<String, String>,
      EntryUpdatedListener<String, String>, EntryRemovedListener<String, String>,
      EntryEvictedListener<String, String>, com.hazelcast.map.listener.EntryMergedListener<String, String> {

    @Override
    public void entryMerged(EntryEvent<String, String> event) {
      stored(event.getKey(), event.getValue());
    }

    @Override
    public void entryAdded(EntryEvent<String, String> event) {
      stored(event.getKey(), event.getValue());
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> event) {
      stored(event.getKey(), event.getValue());
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> event) {
      gone(event.getKey(), event.getOldValue());
    }

    @Override
    public void entryEvicted(EntryEvent<String, String> event) {
      gone(event.getKey(), event.getOldValue());
    }

    private void stored(String parkId, String value) {
      ParkEntry entry = open.apply(parkId, value);
      if (entry != null && !departedNodes.containsKey(entry.nodeId())) {
        put(entry);
      }
    }

    private void gone(String parkId, String value) {
      ParkEntry entry = open.apply(parkId, value);
      if (entry != null) {
        parks.computeIfPresent(entry.parkId(), (k, current) -> current.epoch() <= entry.epoch() ? null : current);
      }
    }
  }
}
