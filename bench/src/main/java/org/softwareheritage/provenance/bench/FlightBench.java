package org.softwareheritage.provenance.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Arrow Flight figures with the Java FlightClient over loopback: bulk provenance and whole-table
 * DoGet.
 */
final class FlightBench implements AutoCloseable {
  private static final int BATCH_ROWS = 65_536;

  /** A whole-table read: which table, how many rows and Arrow buffer bytes, in how long. */
  record TableRead(String table, long rows, long bytes, double seconds, int endpoints) {}

  private final BufferAllocator allocator = new RootAllocator();
  private final Location location;
  private final FlightClient client;

  FlightBench(String host, int port) {
    location = Location.forGrpcInsecure(host, port);
    client = FlightClient.builder(allocator, location).build();
  }

  /** SWHIDs per second of one DoExchange bulk-provenance call over {@code swhids}. */
  double bulkProvenanceSwhidsPerSecond(List<String> swhids) throws Exception {
    FlightDescriptor command =
        FlightDescriptor.command("{\"exchange\": \"provenance\"}".getBytes(StandardCharsets.UTF_8));
    Schema schema = new Schema(List.of(Field.notNullable("swhid", ArrowType.Utf8.INSTANCE)));
    ExecutorService sender = Executors.newSingleThreadExecutor();
    List<ArrowRecordBatch> batches = new ArrayList<>();
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
      // the request batches are built before the clock starts, as the pyarrow peer builds its table
      VarCharVector column = (VarCharVector) root.getVector(0);
      for (int from = 0; from < swhids.size(); from += BATCH_ROWS) {
        int n = Math.min(BATCH_ROWS, swhids.size() - from);
        column.allocateNew(n * 50L, n);
        for (int i = 0; i < n; i++) {
          column.setSafe(i, swhids.get(from + i).getBytes(StandardCharsets.US_ASCII));
        }
        root.setRowCount(n);
        batches.add(new VectorUnloader(root).getRecordBatch());
      }
      long start = System.nanoTime();
      try (FlightClient.ExchangeReaderWriter exchange = client.doExchange(command)) {
        Future<?> sent =
            sender.submit(
                () -> {
                  VectorLoader loader = new VectorLoader(root);
                  exchange.getWriter().start(root);
                  for (ArrowRecordBatch batch : batches) {
                    loader.load(batch);
                    awaitReady(exchange.getWriter());
                    exchange.getWriter().putNext();
                  }
                  exchange.getWriter().completed();
                  return null;
                });
        long rows = 0;
        FlightStream results = exchange.getReader();
        while (results.next()) {
          rows += results.getRoot().getRowCount();
        }
        sent.get();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (rows != swhids.size()) {
          throw new IllegalStateException(
              "bulk provenance returned " + rows + " rows for " + swhids.size() + " SWHIDs");
        }
        return rows / seconds;
      }
    } finally {
      sender.shutdownNow();
      batches.forEach(ArrowRecordBatch::close);
    }
  }

  /**
   * Waits until {@code writer} can take a batch without blocking. Flight's Java client waits in
   * {@code putNext} by calling {@code isReady()} in a busy loop (it cannot register gRPC's on-ready
   * callback once the call has started), which takes a whole core from the server on this 2-core
   * machine; polling every 20 µs costs nothing measurable.
   */
  private static void awaitReady(FlightClient.ClientStreamListener writer) {
    while (!writer.isReady()) {
      LockSupport.parkNanos(20_000);
    }
  }

  /** Every table the server lists ({@code list_flights}). */
  List<String> tables() {
    List<String> tables = new ArrayList<>();
    for (FlightInfo info : client.listFlights(org.apache.arrow.flight.Criteria.ALL)) {
      tables.add(info.getDescriptor().getPath().get(0));
    }
    return tables;
  }

  /** The table with the most bytes, per {@code list_flights}. */
  String largestTable() {
    FlightInfo largest = null;
    for (FlightInfo info : client.listFlights(org.apache.arrow.flight.Criteria.ALL)) {
      if (largest == null || info.getBytes() > largest.getBytes()) {
        largest = info;
      }
    }
    if (largest == null) {
      throw new IllegalStateException("the server lists no table");
    }
    return largest.getDescriptor().getPath().get(0);
  }

  /**
   * Reads a whole table over its endpoints, {@code streams} at a time, each with its own client.
   */
  TableRead readTable(String table, int streams) throws Exception {
    FlightInfo info = client.getInfo(FlightDescriptor.path(table));
    List<FlightEndpoint> endpoints = info.getEndpoints();
    ExecutorService pool = Executors.newFixedThreadPool(streams);
    List<FlightClient> clients = new ArrayList<>();
    try {
      for (int s = 0; s < streams; s++) {
        clients.add(FlightClient.builder(allocator, location).build());
      }
      long start = System.nanoTime();
      List<Future<long[]>> reads = new ArrayList<>();
      for (int e = 0; e < endpoints.size(); e++) {
        FlightClient reader = clients.get(e % streams);
        FlightEndpoint endpoint = endpoints.get(e);
        reads.add(pool.submit(() -> read(reader, endpoint)));
      }
      long rows = 0;
      long bytes = 0;
      for (Future<long[]> read : reads) {
        long[] counts = read.get();
        rows += counts[0];
        bytes += counts[1];
      }
      return new TableRead(table, rows, bytes, (System.nanoTime() - start) / 1e9, endpoints.size());
    } finally {
      pool.shutdownNow();
      for (FlightClient reader : clients) {
        reader.close();
      }
    }
  }

  private static long[] read(FlightClient reader, FlightEndpoint endpoint) throws Exception {
    long rows = 0;
    long bytes = 0;
    try (FlightStream stream = reader.getStream(endpoint.getTicket())) {
      while (stream.next()) {
        VectorSchemaRoot root = stream.getRoot();
        rows += root.getRowCount();
        for (FieldVector vector : root.getFieldVectors()) {
          bytes += vector.getBufferSize();
        }
      }
    }
    return new long[] {rows, bytes};
  }

  @Override
  public void close() throws Exception {
    client.close();
    allocator.close();
  }
}
