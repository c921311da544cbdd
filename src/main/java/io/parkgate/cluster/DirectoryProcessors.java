package io.parkgate.cluster;

import com.hazelcast.map.EntryProcessor;
import java.util.Map;

/**
 * Atomic read-modify-write operations on one directory entry, run by Hazelcast on the entry's
 * partition owner (and on its backup). They are what makes takeover and release race-free without
 * a cluster lock: the higher epoch always wins, and only an entry's owner can delete it.
 */
final class DirectoryProcessors {

  /** Marks a claim refused because the directory already holds a newer session. */
  static final String STALE_PREFIX = "!";

  private DirectoryProcessors() {
  }

  /**
   * Installs an entry unless a newer epoch is there. Returns the previous entry's JSON ("" when
   * there was none), or {@link #STALE_PREFIX} + the newer entry's JSON when refused.
   */
  static final class Claim implements EntryProcessor<String, String, String> {
    private static final long serialVersionUID = 1L;
    private final String json;
    private final long epoch;

    Claim(String json, long epoch) {
      this.json = json;
      this.epoch = epoch;
    }

    @Override
    public String process(Map.Entry<String, String> entry) {
      String old = entry.getValue();
      ParkEntry previous = ParkEntry.decode(old);
      if (previous != null && previous.epoch() > epoch) {
        return STALE_PREFIX + old;
      }
      if (previous != null && "v1".equals(previous.protocol()) && "legacy".equals(ParkEntry.decode(json).protocol())) {
        // an unauthenticated legacy connection may never displace a token-authenticated session
        return STALE_PREFIX + old;
      }
      entry.setValue(json);
      return old == null ? "" : old;
    }
  }

  /** Removes the entry only if it is still the given session's (an owner-only delete). */
  static final class Release implements EntryProcessor<String, String, Boolean> {
    private static final long serialVersionUID = 1L;
    private final long epoch;

    Release(long epoch) {
      this.epoch = epoch;
    }

    @Override
    public Boolean process(Map.Entry<String, String> entry) {
      ParkEntry current = ParkEntry.decode(entry.getValue());
      if (current != null && current.epoch() == epoch) {
        entry.setValue(null);
        return true;
      }
      return false;
    }
  }

  /** Removes the entry if it belongs to a node that left the cluster. */
  static final class ReleaseNode implements EntryProcessor<String, String, Boolean> {
    private static final long serialVersionUID = 1L;
    private final String nodeId;

    ReleaseNode(String nodeId) {
      this.nodeId = nodeId;
    }

    @Override
    public Boolean process(Map.Entry<String, String> entry) {
      ParkEntry current = ParkEntry.decode(entry.getValue());
      if (current != null && nodeId.equals(current.nodeId())) {
        entry.setValue(null);
        return true;
      }
      return false;
    }
  }
}
