package io.parkgate.controller;

import io.vertx.core.Future;

/** What a {@link ControllerSession} needs from the verticle that owns it: admission and release. */
interface SessionHost {

  /**
   * Makes the session its park's one live session cluster-wide: takes a new epoch, claims the
   * directory entry, closes every older session of the park (anywhere) and registers the park's
   * address. Completes when the session may answer hello; fails with
   * {@code StaleSessionException} when a newer session already holds the park.
   */
  Future<Void> admit(ControllerSession session);

  /** The session answered its hello: it serves the park now. */
  void online(ControllerSession session);

  /** Something for the park's history happened to the session: {@code fields} are the event's own. */
  void record(ControllerSession session, String type, io.vertx.core.json.JsonObject fields);

  /** The session ended: forget it, release its directory entry, unregister its consumer. */
  Future<Void> closed(ControllerSession session, ParkSubscriptions.Subscription subscription);
}
