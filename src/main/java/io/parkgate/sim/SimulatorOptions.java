package io.parkgate.sim;

import io.parkgate.security.ParkTokens;
import java.util.List;
import java.util.Set;

/**
 * What the gate simulator runs.
 *
 * @param host              server host
 * @param port              server controller port
 * @param controllers       number of simulated controllers, park IDs {@code prefix1..prefixN}
 * @param prefix            park ID prefix
 * @param amount            fee every gate answers, in minor units
 * @param delayMs           time each gate takes to answer a server request
 * @param blackhole         park IDs that go silent after {@code blackholeAfterSec}
 * @param blackholeAfterSec seconds after hello before a black-holed gate goes silent
 * @param tokenSecret       cluster token secret: each gate signs its own park ID with it
 * @param legacy            speak the legacy text protocol instead of protocol v1
 * @param tlsTrust          connect with TLS, trusting this PEM certificate (or CA); null = plain TCP
 * @param sourceAddresses   local addresses the gates connect from, round-robin (e.g. 127.0.0.2,
 *                          127.0.0.3, ... to get past one address's ephemeral ports); empty = any
 * @param eventsPerSecond   vehicle entries and exits the gates report ({@code event.report}), in
 *                          all, spread evenly over the gates; 0 = none
 * @param eventBacklog      events the first gate ({@code prefix1}) comes to hold at once, as
 *                          after a long outage, and sends as fast as parkgate takes them
 * @param eventBacklogAfterS seconds after the simulator's start the backlog appears (0: at once)
 */
public record SimulatorOptions(String host, int port, int controllers, String prefix, long amount,
    long delayMs, Set<String> blackhole, long blackholeAfterSec, String tokenSecret, boolean legacy,
    String tlsTrust, List<String> sourceAddresses, double eventsPerSecond, int eventBacklog,
    long eventBacklogAfterS) {

  public SimulatorOptions {
    blackhole = blackhole == null ? Set.of() : Set.copyOf(blackhole);
    sourceAddresses = sourceAddresses == null ? List.of() : List.copyOf(sourceAddresses);
    if (controllers < 0) {
      throw new IllegalArgumentException("controllers must be >= 0");
    }
    if (eventsPerSecond < 0 || eventBacklog < 0 || eventBacklogAfterS < 0) {
      throw new IllegalArgumentException("eventsPerSecond, eventBacklog and eventBacklogAfterS must be >= 0");
    }
  }

  /** No gate events. */
  public SimulatorOptions(String host, int port, int controllers, String prefix, long amount, long delayMs,
      Set<String> blackhole, long blackholeAfterSec, String tokenSecret, boolean legacy, String tlsTrust,
      List<String> sourceAddresses) {
    this(host, port, controllers, prefix, amount, delayMs, blackhole, blackholeAfterSec, tokenSecret, legacy, tlsTrust,
        sourceAddresses, 0, 0, 0);
  }

  /** The same, with gates reporting events (the backlog at once). */
  public SimulatorOptions withEvents(double perSecond, int backlog) {
    return withEvents(perSecond, backlog, 0);
  }

  /** The same, with gates reporting events, the backlog {@code backlogAfterS} after the start. */
  public SimulatorOptions withEvents(double perSecond, int backlog, long backlogAfterS) {
    return new SimulatorOptions(host, port, controllers, prefix, amount, delayMs, blackhole, blackholeAfterSec,
        tokenSecret, legacy, tlsTrust, sourceAddresses, perSecond, backlog, backlogAfterS);
  }

  /** Plain TCP or TLS, from any local address. */
  public SimulatorOptions(String host, int port, int controllers, String prefix, long amount, long delayMs,
      Set<String> blackhole, long blackholeAfterSec, String tokenSecret, boolean legacy, String tlsTrust) {
    this(host, port, controllers, prefix, amount, delayMs, blackhole, blackholeAfterSec, tokenSecret, legacy, tlsTrust,
        List.of());
  }

  /** Plain TCP. */
  public SimulatorOptions(String host, int port, int controllers, String prefix, long amount, long delayMs,
      Set<String> blackhole, long blackholeAfterSec, String tokenSecret, boolean legacy) {
    this(host, port, controllers, prefix, amount, delayMs, blackhole, blackholeAfterSec, tokenSecret, legacy, null);
  }


  public String parkId(int index) {
    return prefix + index;
  }

  /** The hello token of a park: signed with the secret, or a placeholder when there is none. */
  public String token(String parkId) {
    return tokenSecret == null ? "no-secret" : new ParkTokens(tokenSecret, null).sign(parkId);
  }
}
