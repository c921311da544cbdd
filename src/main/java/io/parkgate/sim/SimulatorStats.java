package io.parkgate.sim;

import java.util.concurrent.atomic.AtomicLong;

/** Counters shared by all simulated gates (they run on several event loops). */
public final class SimulatorStats {
  final AtomicLong connected = new AtomicLong();
  final AtomicLong answered = new AtomicLong();
  final AtomicLong disconnects = new AtomicLong();

  /** Gates whose hello has been answered and whose connection is open. */
  public long connected() {
    return connected.get();
  }

  public long answered() {
    return answered.get();
  }

  public long disconnects() {
    return disconnects.get();
  }
}
