package io.parkgate.http;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What readiness reports about this node besides the cluster: listening (set once every listener
 * is bound, cleared when the node stops) and draining (set once, on SIGTERM). Written by the node,
 * read by every API verticle instance; thread-safe.
 */
public final class NodeState {

  private final AtomicBoolean ready = new AtomicBoolean();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicBoolean evacuating = new AtomicBoolean();
  private final AtomicBoolean clusterSafeOnce = new AtomicBoolean();

  public boolean ready() {
    return ready.get();
  }

  public boolean draining() {
    return draining.get();
  }

  /** Whether an operator asked this node to hand its controllers to the others (it still serves HTTP). */
  public boolean evacuating() {
    return evacuating.get();
  }

  public void evacuating(boolean value) {
    evacuating.set(value);
  }

  public void ready(boolean value) {
    ready.set(value);
  }

  /**
   * Whether the cluster check of readiness may say UP, given whether every Hazelcast partition is
   * backed up now. Until the cluster was safe once, it must be (a new node gets traffic only once
   * it holds its backups, so a rolling update never deletes the last copy). After that, an unsafe
   * cluster (a migration after a member left or joined) is reported but keeps the node UP: it is
   * shared by every member at once, and a balancer health-checking {@code /health/ready} would
   * take all of them out together (the fault harness saw HAProxy answer 503 "no server" for 3 s
   * after a kill -9).
   */
  public boolean clusterCheckUp(boolean safeNow) {
    if (safeNow) {
      clusterSafeOnce.set(true);
    }
    return safeNow || clusterSafeOnce.get();
  }

  /** Marks the node draining (and not ready); false if it already was. */
  public boolean startDraining() {
    if (!draining.compareAndSet(false, true)) {
      return false;
    }
    ready.set(false);
    return true;
  }
}
