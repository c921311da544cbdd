package io.parkgate.controller;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;

/**
 * Flow control and bounded closing for one controller socket, so that a peer that does not read
 * can neither grow the node's memory nor hold a close open.
 *
 * <p><b>Writing.</b> When the socket's write queue is full after a write, reading stops (the
 * chunk already read is still parsed and answered, which bounds what it adds) until the queue
 * drains; if it has not drained within {@code boundMs}, {@code onSlow} runs (the session closes
 * as {@code SLOW_CONSUMER}).
 *
 * <p><b>Closing.</b> A graceful close flushes what is queued first, which never happens if the
 * peer does not read. So a close with a full write queue, or one asked to abort, drops pending
 * output at once; any other close that has not completed within {@code boundMs} is aborted then.
 * Touched only on the session's event loop.
 */
final class SocketFlow {

  private final Vertx vertx;
  private final NetSocket socket;
  private final long boundMs;
  private final Runnable onSlow;
  private boolean readPaused;
  private boolean closing;
  private long slowTimer = -1;
  private long lingerTimer = -1;

  SocketFlow(Vertx vertx, NetSocket socket, long boundMs, Runnable onSlow) {
    this.vertx = vertx;
    this.socket = socket;
    this.boundMs = boundMs;
    this.onSlow = onSlow;
    socket.drainHandler(v -> resumeReading());
  }

  /** Writes; stops reading while the write queue is full (see the class comment). */
  void write(Buffer data) {
    socket.write(data);
    if (!readPaused && !closing && socket.writeQueueFull()) {
      readPaused = true;
      socket.pause();
      slowTimer = vertx.setTimer(boundMs, t -> {
        slowTimer = -1;
        onSlow.run();
      });
    }
  }

  private void resumeReading() {
    if (readPaused && !closing) {
      readPaused = false;
      cancelSlowTimer();
      socket.resume();
    }
  }

  /** Whether reading is paused because the controller does not read what it is sent. */
  boolean readPaused() {
    return readPaused;
  }

  /** Whether the controller is not draining what it is sent (so nothing more should be queued). */
  boolean backedUp() {
    return readPaused || socket.writeQueueFull();
  }

  /**
   * Closes the socket within the bound: at once (dropping queued output) when {@code abort} is
   * asked or the queue is full; otherwise after {@code lastWords} (or nothing), aborting if the
   * close has not completed within the bound.
   */
  void close(Buffer lastWords, boolean abort) {
    closing = true;
    cancelSlowTimer();
    if (abort || socket.writeQueueFull()) {
      abort();
      return;
    }
    if (lastWords != null) {
      socket.end(lastWords);
    } else {
      socket.close();
    }
    lingerTimer = vertx.setTimer(boundMs, t -> {
      lingerTimer = -1;
      abort();
    });
  }

  /** The socket has closed: nothing left to bound. */
  void closed() {
    if (lingerTimer != -1) {
      vertx.cancelTimer(lingerTimer);
      lingerTimer = -1;
    }
  }

  private void cancelSlowTimer() {
    if (slowTimer != -1) {
      vertx.cancelTimer(slowTimer);
      slowTimer = -1;
    }
  }

  /**
   * Closes the channel at once, dropping what is queued for it. {@code socket.close()} would first
   * queue a flush behind the pending output, and a peer that does not read never lets it through.
   */
  private void abort() {
    if (socket instanceof NetSocketInternal internal) {
      internal.channelHandlerContext().close();
    } else {
      socket.close();
    }
  }
}
