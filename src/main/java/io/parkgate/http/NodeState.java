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

  /** Marks the node draining (and not ready); false if it already was. */
  public boolean startDraining() {
    if (!draining.compareAndSet(false, true)) {
      return false;
    }
    ready.set(false);
    return true;
  }
}
