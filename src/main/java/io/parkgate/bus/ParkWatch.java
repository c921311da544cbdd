package io.parkgate.bus;

import io.vertx.core.Future;
import java.util.List;

/**
 * A cluster-wide watch on how a park's sessions open: whether it is flapping (more than the
 * allowed sessions in the window), banned for it, or fought over by two live controllers with
 * the same park ID. Asked once per admission, after the controller proved who it is; safe from any
 * thread. {@code io.parkgate.cluster.ClusterParkWatch} implements it.
 */
public interface ParkWatch {

  /** Watches nothing: nothing flaps, nothing is banned. */
  ParkWatch NONE = (parkId, remoteAddress) -> Future.succeededFuture(Opening.CALM);

  /**
   * A controller of {@code parkId}, connected from {@code remoteAddress}, is about to be admitted.
   * Counts the session unless the park is banned.
   */
  Future<Opening> opening(String parkId, String remoteAddress);

  /**
   * What the watch says about one opening.
   *
   * @param bannedForMs     above 0: refuse the hello; the ban lifts in that many ms
   * @param flappingUntil   epoch ms until which the park counts as flapping (0: not flapping)
   * @param flappingStarted this opening made the park flapping (log and record it once)
   * @param sessions        sessions opened in the window, this one included
   * @param duplicates      the two remote addresses of controllers taking the park from each other,
   *                        or empty
   * @param duplicateStarted this opening made the duplicate known (log and record it once)
   */
  record Opening(long bannedForMs, long flappingUntil, boolean flappingStarted, int sessions,
      List<String> duplicates, boolean duplicateStarted) {

    public static final Opening CALM = new Opening(0, 0, false, 1, List.of(), false);
  }
}
