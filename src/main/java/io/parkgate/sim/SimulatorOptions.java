package io.parkgate.sim;

import java.util.Set;

/**
 * What the gate simulator runs.
 *
 * @param host              server host
 * @param port              server controller port
 * @param gates             number of simulated controllers, park IDs {@code prefix1..prefixN}
 * @param prefix            park ID prefix
 * @param amount            fee every gate answers, in minor units
 * @param delayMs           time each gate takes to answer a server request
 * @param blackhole         park IDs that go silent after {@code blackholeAfterSec}
 * @param blackholeAfterSec seconds after hello before a black-holed gate goes silent
 * @param token             token sent in hello
 */
public record SimulatorOptions(String host, int port, int gates, String prefix, long amount,
    long delayMs, Set<String> blackhole, long blackholeAfterSec, String token) {

  public SimulatorOptions {
    blackhole = blackhole == null ? Set.of() : Set.copyOf(blackhole);
    if (gates < 0) {
      throw new IllegalArgumentException("gates must be >= 0");
    }
  }

  public String parkId(int index) {
    return prefix + index;
  }
}
