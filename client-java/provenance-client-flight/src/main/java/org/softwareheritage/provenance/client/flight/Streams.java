package org.softwareheritage.provenance.client.flight;

import org.apache.arrow.flight.FlightStream;

/**
 * Closing Flight streams, whose {@code close()} declares checked exceptions it never throws in
 * practice.
 */
final class Streams {
  private Streams() {}

  /** Closes {@code stream} (cancelling it if unfinished), rethrowing failures unchecked. */
  static void close(FlightStream stream) {
    try {
      stream.close();
    } catch (RuntimeException e) {
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while closing a Flight stream", e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot close a Flight stream: " + e.getMessage(), e);
    }
  }
}
