package org.softwareheritage.provenance.server.flight;

import org.apache.arrow.flight.BackpressureStrategy;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;

/**
 * Blocks a producer until the client has room for another batch, so a slow reader holds the
 * server back instead of making it buffer; reports a cancelled call (client cancel, deadline).
 */
final class ReadyWaiter {
  private static final long WAIT_SLICE_MILLIS = 1_000;

  private final ServerStreamListener listener;
  private final BackpressureStrategy strategy = new BackpressureStrategy.CallbackBackpressureStrategy();

  ReadyWaiter(ServerStreamListener listener) {
    this.listener = listener;
    strategy.register(listener);
  }

  /** Waits until the listener is ready; false if the call was cancelled meanwhile. */
  boolean awaitReady() {
    while (true) {
      if (listener.isCancelled()) {
        return false;
      }
      switch (strategy.waitForListener(WAIT_SLICE_MILLIS)) {
        case READY:
          return true;
        case CANCELLED:
          return false;
        default:
          break;
      }
    }
  }
}
