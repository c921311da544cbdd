package io.parkgate.controller;

/** Where a session is in its life; see the class comment for every transition. */
enum SessionState {
  /** Connected, waiting for the controller to say which park it is. */
  IDENTIFYING(false, false),
  /** Identified, being admitted cluster-wide (epoch, directory claim, takeover). */
  REGISTERING(false, false),
  /** The park's live session: takes requests. */
  ONLINE(true, true),
  /** The node drains and this controller cannot be asked to move: takes requests, closes when idle. */
  DRAINING(true, true),
  /** Superseded by a newer session: no new requests, finishes the ones in flight, then closes. */
  RETIRING(true, false),
  /** Ended; the socket is closing or closed. */
  CLOSED(false, false);

  /** Whether the session was announced online (opened, counted, logged). */
  final boolean announced;
  /** Whether requests from the bus are taken. */
  final boolean takesRequests;

  SessionState(boolean announced, boolean takesRequests) {
    this.announced = announced;
    this.takesRequests = takesRequests;
  }
}
