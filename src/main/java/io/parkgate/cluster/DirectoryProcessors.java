package io.parkgate.cluster;

import io.parkgate.bus.ParkEntry;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import io.parkgate.security.RecordSeal;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Atomic read-modify-write operations on one directory entry, run by Hazelcast on the entry's
 * partition owner (and on its backup). They are what makes takeover and release race-free without
 * a cluster lock: the higher epoch always wins, and only an entry's owner can delete it. Values
 * are {@link RecordSeal sealed}; processors read them without the key (it never leaves the node
 * that asked) and the asking node verifies what they return.
 */
final class DirectoryProcessors {

  /** Marks a claim refused because the directory already holds a newer session. */
  static final String STALE_PREFIX = "!";

  private DirectoryProcessors() {
  }

  /**
   * Installs an entry unless the one there may not be displaced by it ({@link ParkEntry#mayDisplace}:
   * a newer epoch, or an authenticated session facing an unauthenticated claim). Returns the
   * previous entry's JSON ("" when there was none), or {@link #STALE_PREFIX} + the holder's JSON
   * when refused.
   */
  static final class Claim implements EntryProcessor<String, String, String> {
    private static final long serialVersionUID = 1L;
    private final String json;
    /** Unused here; serialised for nodes of the previous release, which read it, during a rolling restart. */
    @SuppressWarnings("unused")
    private final long epoch;

    Claim(String json, long epoch) {
      this.json = json;
      this.epoch = epoch;
    }

    @Override
    public String process(Map.Entry<String, String> entry) {
      String old = entry.getValue();
      ParkEntry previous = ParkEntry.decode(RecordSeal.body(old));
      if (!ParkEntry.decode(RecordSeal.body(json)).mayDisplace(previous)) {
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
      ParkEntry current = ParkEntry.decode(RecordSeal.body(entry.getValue()));
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
      ParkEntry current = ParkEntry.decode(RecordSeal.body(entry.getValue()));
      if (current != null && nodeId.equals(current.nodeId())) {
        entry.setValue(null);
        return true;
      }
      return false;
    }
  }

  /**
   * Replaces the value only if it is still exactly {@code expected} (compare-and-set): how a node
   * overwrites a record that failed verification without racing a genuine write.
   */
  static final class ReplaceIfSame implements EntryProcessor<String, String, Boolean> {
    private static final long serialVersionUID = 1L;
    private final String expected;
    private final String replacement;
    private final long ttlMs;

    /** @param ttlMs the replacement's time to live; 0 for none */
    ReplaceIfSame(String expected, String replacement, long ttlMs) {
      this.expected = expected;
      this.replacement = replacement;
      this.ttlMs = ttlMs;
    }

    @Override
    public Boolean process(Map.Entry<String, String> entry) {
      if (expected.equals(entry.getValue())) {
        if (ttlMs > 0) {
          ((ExtendedMapEntry<String, String>) entry).setValue(replacement, ttlMs, TimeUnit.MILLISECONDS);
        } else {
          entry.setValue(replacement);
        }
        return true;
      }
      return false;
    }
  }
}
