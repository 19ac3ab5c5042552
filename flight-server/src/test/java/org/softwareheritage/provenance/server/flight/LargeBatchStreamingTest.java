package org.softwareheritage.provenance.server.flight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.server.example.SyntheticDatabase;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;
import org.softwareheritage.provenance.server.testing.RunningServer;

/**
 * Batches far larger than gRPC's 32 KiB ready threshold stream back to back. Regression test: when
 * DoGet streamed on the gRPC callback thread, the on-ready callback could not run until the stream
 * ended, so every batch waited for the backpressure timeout: these 20 batches took 2.2 s instead of
 * about 0.1 s.
 */
class LargeBatchStreamingTest {
  private static final int BATCH_ROWS = 65_536;

  @TempDir Path directory;

  @Test
  void aTableOfManyLargeBatchesStreamsWithoutStalling() throws Exception {
    SyntheticDatabase.write(directory, 0.5, 3);
    try (RunningServer server =
            RunningServer.start(
                directory, new FlightOptions(1 << 24, BATCH_ROWS, 1_000), builder -> {});
        BufferAllocator allocator = ArrowMemory.newRootAllocator();
        FlightClient client = server.flightClient(allocator)) {
      long expectedRows =
          server.data().database().table(ProvenanceTable.CONTENTS_IN_REVISIONS).rowCount();
      Ticket ticket =
          new Ticket(
              "{\"table\": \"contents_in_revisions_without_frontiers\"}"
                  .getBytes(StandardCharsets.UTF_8));
      long start = System.nanoTime();
      long rows = 0;
      int batches = 0;
      try (FlightStream stream = client.getStream(ticket)) {
        while (stream.next()) {
          rows += stream.getRoot().getRowCount();
          batches++;
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      assertEquals(expectedRows, rows);
      assertTrue(batches >= 20, "batches: " + batches);
      assertTrue(seconds < 1, batches + " batches took " + seconds + " s");
    }
  }
}
