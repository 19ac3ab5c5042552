package org.softwareheritage.provenance.server.flight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.UInt8Vector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.server.ProvenanceServer;
import org.softwareheritage.provenance.server.example.ExampleDatabase;
import org.softwareheritage.provenance.server.index.IndexedDatabase;
import org.softwareheritage.provenance.server.index.RowRange;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.storage.DatabaseIdentity;
import org.softwareheritage.provenance.server.storage.DatabaseLocation;
import org.softwareheritage.provenance.server.storage.IndexDirectory;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;
import org.softwareheritage.provenance.server.testing.Golden;
import org.softwareheritage.provenance.server.testing.StorageMode;

/**
 * Row numbers beyond 2^31: the golden database's index with its {@code revisions_in_origins} grown
 * to 2^31 + 9 rows (2^31 rows of key 0 in sparse files, which take no disk, then the nine real
 * rows), served mapped. Key lookups, row-range tickets and the endpoints of a table that large all
 * reach the rows past 2^31, and lookups are untouched.
 */
class BeyondTwoBillionRowsTest {
  private static final long PADDING = 1L << 31;
  private static final long[][] REAL_ROWS = {
    {3, 0}, {3, 2}, {4, 0}, {4, 2}, {6, 0}, {6, 2}, {16, 0}, {19, 0}, {20, 0}
  };
  private static final long ROWS = PADDING + REAL_ROWS.length;

  @TempDir Path root;

  @Test
  void keysRowRangesAndEndpointsReachRowsPastTwoToTheThirtyOne() throws Exception {
    Path database = root.resolve("db");
    Path index = root.resolve("index");
    try (BufferAllocator allocator = ArrowMemory.newRootAllocator()) {
      ExampleDatabase.write(database, allocator);
      StorageMode.MAPPED.open(database, index, allocator).close();
    }
    grow(index, "revisions_in_origins.revrel", 0);
    grow(index, "revisions_in_origins.ori", 1);
    patchHeader(index);

    try (BufferAllocator allocator = ArrowMemory.newRootAllocator();
        IndexedDatabase data =
            IndexedDatabase.open(
                IndexDirectory.open(index, DatabaseIdentity.of(DatabaseLocation.of(database))));
        ProvenanceServer server =
            ProvenanceServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                data,
                allocator,
                new FlightOptions(1 << 30, 4, 1_000),
                builder -> {});
        FlightClient client =
            FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", server.port()))
                .build()) {
      assertEquals(ROWS, data.database().table(ProvenanceTable.REVISIONS_IN_ORIGINS).rowCount());
      RowRange sixteen = data.index().keys(ProvenanceTable.REVISIONS_IN_ORIGINS).rows(16);
      assertEquals(new RowRange(PADDING + 6, PADDING + 7), sixteen);

      assertEquals(
          List.of(List.of(16L, 0L)),
          read(client, "{\"table\": \"revisions_in_origins\", \"key\": 16}"));
      assertEquals(
          List.of(List.of(19L, 0L), List.of(20L, 0L)),
          read(client, "{\"table\": \"revisions_in_origins\", \"key_range\": [17, 20]}"));
      assertEquals(
          List.of(List.of(6L, 2L), List.of(16L, 0L)),
          read(
              client,
              "{\"table\": \"revisions_in_origins\", \"rows\": ["
                  + (PADDING + 5)
                  + ", "
                  + (PADDING + 7)
                  + "]}"));

      FlightInfo info = client.getInfo(FlightDescriptor.path("revisions_in_origins"));
      assertEquals(ROWS, info.getRecords());
      assertEquals(3, info.getEndpoints().size());
      List<List<Long>> last = read(client, info.getEndpoints().get(2).getTicket());
      assertEquals(REAL_ROWS.length, last.size());
      for (int i = 0; i < REAL_ROWS.length; i++) {
        assertEquals(List.of(REAL_ROWS[i][0], REAL_ROWS[i][1]), last.get(i));
      }

      var channel =
          io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", server.port())
              .usePlaintext()
              .build();
      try {
        assertEquals(
            Golden.GRAPH2,
            ProvenanceServiceGrpc.newBlockingStub(channel)
                .whereIsOne(
                    WhereIsOneRequest.newBuilder().setSwhid(Golden.swhid("cnt", "01")).build())
                .getOrigin());
      } finally {
        channel.shutdownNow();
      }
    }
  }

  /** Puts 2^31 zeros before the column's values: a hole in the file, then the values. */
  private static void grow(Path index, String file, int column) throws Exception {
    try (RandomAccessFile raf = new RandomAccessFile(index.resolve(file).toFile(), "rw")) {
      ByteBuffer values =
          ByteBuffer.allocate(REAL_ROWS.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      for (long[] row : REAL_ROWS) {
        values.putLong(row[column]);
      }
      raf.setLength(0);
      raf.setLength(ROWS * Long.BYTES);
      raf.seek(PADDING * Long.BYTES);
      raf.write(values.array());
    }
  }

  /**
   * The header with the grown table's row count and file sizes (and its checksum file to match).
   */
  private static void patchHeader(Path index) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode header = (ObjectNode) json.readTree(index.resolve(IndexDirectory.HEADER).toFile());
    ((ObjectNode) header.get("numbers")).put("tables.revisions_in_origins.rows", ROWS);
    header
        .get("files")
        .forEach(
            file -> {
              if (file.get("name").asText().startsWith("revisions_in_origins.")) {
                ((ObjectNode) file).put("bytes", ROWS * Long.BYTES);
              }
            });
    byte[] bytes = json.writeValueAsBytes(header);
    Files.write(index.resolve(IndexDirectory.HEADER), bytes);
    Files.writeString(
        index.resolve(IndexDirectory.HEADER_CHECKSUM),
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))
            + "  index.json\n");
  }

  private static List<List<Long>> read(FlightClient client, String ticket) throws Exception {
    return read(client, new Ticket(ticket.getBytes(StandardCharsets.UTF_8)));
  }

  private static List<List<Long>> read(FlightClient client, Ticket ticket) throws Exception {
    List<List<Long>> rows = new ArrayList<>();
    try (FlightStream stream = client.getStream(ticket)) {
      while (stream.next()) {
        UInt8Vector revrels = (UInt8Vector) stream.getRoot().getVector("revrel");
        UInt8Vector origins = (UInt8Vector) stream.getRoot().getVector("ori");
        for (int i = 0; i < stream.getRoot().getRowCount(); i++) {
          rows.add(List.of(revrels.get(i), origins.get(i)));
        }
      }
    }
    assertTrue(rows.size() < 100, "only the rows asked for");
    return rows;
  }
}
