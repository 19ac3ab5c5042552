package org.softwareheritage.provenance.client.flight;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightGrpcUtils;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.softwareheritage.provenance.client.ClientBuilder;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * A client of the server's Arrow Flight API, for bulk reads: list the tables, stream a table or a
 * slice of it as Arrow record batches, save it as a local Arrow or Parquet file, and the provenance
 * of millions of SWHIDs at once. Thread-safe; close it when done.
 *
 * <pre>{@code
 * try (ProvenanceFlightClient client = ProvenanceFlightClient.builder().target("localhost:50141").build()) {
 *   client.save(TableQuery.table("revisions_in_origins"), Path.of("rio.parquet"), FileFormat.PARQUET);
 * }
 * }</pre>
 *
 * <p>Failures are Arrow's {@link FlightRuntimeException}, whose {@code status()} is the call status
 * (e.g. {@code INVALID_ARGUMENT} naming an unknown table or column).
 */
public final class ProvenanceFlightClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FlightClient client;
  private final BufferAllocator allocator;
  private final boolean ownsAllocator;
  private final int exchangeBatchRows;
  private final int maxSwhidsPerExchange;

  private ProvenanceFlightClient(
      FlightClient client,
      BufferAllocator allocator,
      boolean ownsAllocator,
      int exchangeBatchRows,
      int maxSwhidsPerExchange) {
    this.client = client;
    this.allocator = allocator;
    this.ownsAllocator = ownsAllocator;
    this.exchangeBatchRows = exchangeBatchRows;
    this.maxSwhidsPerExchange = maxSwhidsPerExchange;
  }

  /** A builder for a plaintext client of {@value ClientBuilder#DEFAULT_TARGET}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Every table the server serves, with its schema and size. */
  public List<TableInfo> listTables() {
    List<TableInfo> tables = new ArrayList<>();
    for (FlightInfo info : client.listFlights(Criteria.ALL)) {
      tables.add(
          new TableInfo(
              info.getDescriptor().getPath().get(0),
              info.getSchemaOptional().orElseThrow(),
              info.getRecords(),
              info.getBytes()));
    }
    return tables;
  }

  /** The batches of the rows {@code query} selects, across all the endpoints the server gives. */
  public BatchStream read(TableQuery query) {
    return new EndpointStream(client, client.getInfo(FlightDescriptor.command(query.toJson())));
  }

  /**
   * Hands every batch of the rows {@code query} selects to {@code consumer}, which must not keep
   * the root (it is reused for the next batch); returns the number of rows.
   */
  public long read(TableQuery query, Consumer<VectorSchemaRoot> consumer) {
    long rows = 0;
    try (BatchStream batches = read(query)) {
      while (batches.next()) {
        consumer.accept(batches.root());
        rows += batches.root().getRowCount();
      }
    }
    return rows;
  }

  /**
   * Saves the rows {@code query} selects as the file {@code file}, replaced if it exists, one batch
   * at a time; returns the number of rows. {@link FileFormat#PARQUET} needs {@code
   * org.apache.arrow:arrow-dataset} on the class path, an optional dependency of this library.
   *
   * @throws UnsupportedOperationException for Parquet without arrow-dataset, before any call
   */
  public long save(TableQuery query, Path file, FileFormat format) throws IOException {
    if (format == FileFormat.PARQUET) {
      FileExport.requireParquetWriter();
    }
    try (BatchStream batches = read(query)) {
      return FileExport.write(batches, file, format, allocator);
    }
  }

  /**
   * Provenance of a short list of SWHIDs in one DoGet: batches {@code swhid, anchor, anchor_date,
   * origin}, one row per SWHID in order, or with {@code allAnchors} one row per anchor (a content's
   * direct revisions earliest first, then each frontier directory's). Unknown SWHIDs have null
   * anchor, date and origin. The list goes in one request, which the server refuses ({@code
   * INVALID_ARGUMENT}) beyond its per-request SWHID limit; {@link #exchangeProvenance(Iterator,
   * boolean)} takes any number.
   */
  public BatchStream provenance(Collection<Swhid> swhids, boolean allAnchors) {
    ObjectNode ticket = JSON.createObjectNode();
    ArrayNode list = ticket.putArray("provenance");
    swhids.forEach(swhid -> list.add(swhid.toString()));
    ticket.put("all_anchors", allAnchors);
    return new EndpointStream(
        client,
        client.getInfo(
            FlightDescriptor.command(ticket.toString().getBytes(StandardCharsets.UTF_8))));
  }

  /**
   * Provenance of any number of SWHIDs over DoExchange, with the same batches as {@link
   * #provenance(Collection, boolean)}: {@code swhids} is read lazily, as the server asks for more,
   * so millions of SWHIDs stream through bounded memory. They are sent in consecutive exchanges of
   * at most {@link Builder#maxSwhidsPerExchange(int)} SWHIDs, to stay within the server's
   * per-request limit; the stream moves from one to the next by itself. Close the stream when done,
   * which cancels the current exchange if it is unfinished.
   */
  public BatchStream exchangeProvenance(Iterator<Swhid> swhids, boolean allAnchors) {
    Objects.requireNonNull(swhids, "swhids");
    return new ExchangeSequence(
        swhids,
        () ->
            new ExchangeStream(
                client, allocator, swhids, allAnchors, exchangeBatchRows, maxSwhidsPerExchange));
  }

  /** Closes the connection, and the allocator if the client made it. */
  @Override
  public void close() throws InterruptedException {
    try {
      client.close();
    } finally {
      if (ownsAllocator) {
        allocator.close();
      }
    }
  }

  /**
   * Settings of a {@link ProvenanceFlightClient}; see {@link ClientBuilder} for the connection
   * ones.
   */
  public static final class Builder extends ClientBuilder<Builder> {
    /** Default number of SWHIDs per batch sent over DoExchange. */
    public static final int DEFAULT_EXCHANGE_BATCH_ROWS = 65_536;

    /** Default most SWHIDs per DoExchange call: the server's default per-request limit. */
    public static final int DEFAULT_MAX_SWHIDS_PER_EXCHANGE = 1_000_000;

    private BufferAllocator allocator;
    private int exchangeBatchRows = DEFAULT_EXCHANGE_BATCH_ROWS;
    private int maxSwhidsPerExchange = DEFAULT_MAX_SWHIDS_PER_EXCHANGE;

    private Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

    /**
     * Allocates the batches from {@code allocator} (closed by its owner); by default the client
     * makes one.
     */
    public Builder allocator(BufferAllocator allocator) {
      this.allocator = Objects.requireNonNull(allocator, "allocator");
      return this;
    }

    /** SWHIDs per batch sent over DoExchange. */
    public Builder exchangeBatchRows(int rows) {
      if (rows < 1) {
        throw new IllegalArgumentException("exchangeBatchRows must be positive, got " + rows);
      }
      this.exchangeBatchRows = rows;
      return this;
    }

    /**
     * Most SWHIDs one DoExchange call of {@link ProvenanceFlightClient#exchangeProvenance(Iterator,
     * boolean)} sends before the next call takes over; at most the server's {@code
     * --max-swhids-per-request}. Default 1,000,000.
     */
    public Builder maxSwhidsPerExchange(int swhids) {
      if (swhids < 1) {
        throw new IllegalArgumentException("maxSwhidsPerExchange must be positive, got " + swhids);
      }
      this.maxSwhidsPerExchange = swhids;
      return this;
    }

    /** A client with these settings. */
    public ProvenanceFlightClient build() {
      boolean owns = allocator == null;
      BufferAllocator memory = owns ? new RootAllocator() : allocator;
      try {
        FlightClient client =
            FlightGrpcUtils.createFlightClient(
                memory, channelBuilder(NettyChannelBuilder::forTarget).build());
        return new ProvenanceFlightClient(
            client, memory, owns, exchangeBatchRows, maxSwhidsPerExchange);
      } catch (RuntimeException e) {
        if (owns) {
          memory.close();
        }
        throw e;
      }
    }
  }
}
