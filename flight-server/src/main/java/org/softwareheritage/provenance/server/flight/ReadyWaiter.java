package org.softwareheritage.provenance.server.flight;

import io.grpc.Context;
import org.apache.arrow.flight.BackpressureStrategy;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;

/**
 * Blocks a producer until the client has room for another batch, so a slow reader holds the server
 * back instead of making it buffer; reports a call that is over: cancelled (client cancel,
 * deadline, reset) or ended by the server, whose context is then cancelled (the producer runs in
 * the call's context, see {@link CallThread}).
 *
 * <p>A stream is ready while less than the server's threshold (1 MiB, see ProvenanceServer) is
 * queued. A record batch is a megabyte or more, so waiting for "ready" before every batch drains
 * the queue completely each time and leaves the socket idle while the producer wakes up. Up to
 * {@value #BATCHES_AHEAD} batches are therefore sent beyond the threshold before the producer
 * waits: the queue stays full, and memory per call stays bounded by the threshold and that many
 * batches.
 */
final class ReadyWaiter {
  static final int BATCHES_AHEAD = 2;
  private static final long WAIT_SLICE_MILLIS = 1_000;

  private final ServerStreamListener listener;
  private final BackpressureStrategy strategy =
      new BackpressureStrategy.CallbackBackpressureStrategy();
  private int ahead;

  ReadyWaiter(ServerStreamListener listener) {
    this.listener = listener;
    strategy.register(listener);
  }

  /** Waits until the listener has room for a batch; false if the call was cancelled meanwhile. */
  boolean awaitReady() {
    if (over()) {
      return false;
    }
    if (listener.isReady()) {
      ahead = 0;
      return true;
    }
    if (ahead < BATCHES_AHEAD) {
      ahead++;
      return true;
    }
    while (true) {
      if (over()) {
        return false;
      }
      switch (strategy.waitForListener(WAIT_SLICE_MILLIS)) {
        case READY:
          ahead = 0;
          return true;
        case CANCELLED:
          return false;
        default:
          break;
      }
    }
  }

  private boolean over() {
    return listener.isCancelled() || Context.current().isCancelled();
  }
}
