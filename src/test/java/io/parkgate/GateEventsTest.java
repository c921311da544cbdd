package io.parkgate;

import org.junit.jupiter.api.BeforeAll;

/** {@link GateEventsContract} with gate events in the cluster's map (the default store). */
class GateEventsTest extends GateEventsContract {

  @BeforeAll
  static void start() {
    startCluster(b -> b);
  }
}
