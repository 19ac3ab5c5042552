package org.softwareheritage.provenance.client.flight;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * One DoExchange call of bulk provenance: a writer thread sends up to {@code maxSwhids} SWHIDs, the
 * next ones of the input, as batches of a {@code swhid} column, only when the transport is ready
 * for more, while the caller reads the provenance batches. As the server answers only as fast as
 * the caller reads, memory stays bounded whatever the number of SWHIDs.
 */
final class ExchangeStream implements BatchStream {
  private static final Schema INPUT =
      new Schema(List.of(Field.notNullable("swhid", ArrowType.Utf8.INSTANCE)));

  /**
   * How long the writer waits between checks of the transport's ready state (20 µs: a millisecond
   * sleep starves it).
   */
  private static final long READY_POLL_NANOS = 20_000;

  private final FlightClient.ExchangeReaderWriter exchange;
  private final FlightStream reader;
  private final Thread writer;
  private volatile boolean closed;
  private volatile RuntimeException writeFailure;

  ExchangeStream(
      FlightClient client,
      BufferAllocator allocator,
      Iterator<Swhid> swhids,
      boolean allAnchors,
      int batchRows,
      int maxSwhids) {
    String command = "{\"exchange\":\"provenance\",\"all_anchors\":" + allAnchors + "}";
    this.exchange =
        client.doExchange(FlightDescriptor.command(command.getBytes(StandardCharsets.UTF_8)));
    this.reader = exchange.getReader();
    this.writer =
        new Thread(
            () -> send(allocator, swhids, batchRows, maxSwhids), "provenance-exchange-writer");
    writer.setDaemon(true);
    writer.start();
  }

  private void send(
      BufferAllocator allocator, Iterator<Swhid> swhids, int batchRows, int maxSwhids) {
    FlightClient.ClientStreamListener out = exchange.getWriter();
    try (BufferAllocator memory =
            allocator.newChildAllocator("exchange-writer", 0, Long.MAX_VALUE);
        VectorSchemaRoot batch = VectorSchemaRoot.create(INPUT, memory)) {
      VarCharVector column = (VarCharVector) batch.getVector(0);
      out.start(batch);
      int sent = 0;
      while (!closed && sent < maxSwhids && swhids.hasNext()) {
        batch.allocateNew();
        int room = Math.min(batchRows, maxSwhids - sent);
        int rows = 0;
        while (rows < room && swhids.hasNext()) {
          column.setSafe(rows++, swhids.next().toString().getBytes(StandardCharsets.US_ASCII));
        }
        batch.setRowCount(rows);
        sent += rows;
        if (!awaitReady(out)) {
          return;
        }
        out.putNext();
      }
      if (!closed) {
        out.completed();
      }
    } catch (RuntimeException e) {
      writeFailure = e;
      out.error(e);
    } catch (InterruptedException e) {
      out.error(e);
    }
  }

  /**
   * Waits until the transport takes more (Flight clients cannot be told, so this polls); false once
   * closed.
   */
  private boolean awaitReady(FlightClient.ClientStreamListener out) throws InterruptedException {
    while (!out.isReady() && !closed) {
      LockSupport.parkNanos(READY_POLL_NANOS);
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while waiting to send SWHIDs");
      }
    }
    return !closed;
  }

  @Override
  public Schema schema() {
    return reader.getSchema();
  }

  @Override
  public boolean next() {
    try {
      return reader.next();
    } catch (RuntimeException e) {
      RuntimeException cause = writeFailure;
      if (cause != null) {
        cause.addSuppressed(e);
        throw cause;
      }
      throw e;
    }
  }

  @Override
  public VectorSchemaRoot root() {
    return reader.getRoot();
  }

  @Override
  public DictionaryProvider dictionaries() {
    return reader.getDictionaryProvider();
  }

  /**
   * Stops sending, cancels the call if it is unfinished and waits for the writer thread, so that
   * the input is no longer read once this returns. Closing again does nothing.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      writer.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Streams.close(reader);
  }
}
