package org.softwareheritage.provenance.server.flight;

/**
 * How Flight streams are cut: {@code endpointRows}, the most rows one endpoint of a table offers
 * (larger tables get several, for clients to read in parallel), and {@code batchRows}, the rows
 * per record batch.
 */
public record FlightOptions(int endpointRows, int batchRows) {
  public static final FlightOptions DEFAULT = new FlightOptions(4 * 1024 * 1024, 64 * 1024);

  public FlightOptions {
    if (endpointRows < 1 || batchRows < 1) {
      throw new IllegalArgumentException("endpoint and batch sizes must be at least one row");
    }
  }
}
