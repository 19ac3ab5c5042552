package org.softwareheritage.provenance.server.flight;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.TransferPair;
import org.softwareheritage.provenance.server.index.RowRange;
import org.softwareheritage.provenance.server.storage.LoadedTable;

/**
 * Streams row ranges of a loaded table: each batch is a slice of the loaded vectors, sent only
 * when the client is ready for it. Nothing is copied: slices share the table's buffers, and
 * Flight's zero-copy write hands those buffers to gRPC (which keeps a reference until they are
 * on the socket) instead of copying every batch into a new Netty buffer. Slices are accounted to
 * the table's own allocator, which outlives every call, so a batch still queued in gRPC when the
 * call ends holds no call memory.
 */
final class TableStreamer {
  private TableStreamer() {}

  /** The schema of {@code columns} of {@code table}. */
  static Schema schema(LoadedTable table, List<String> columns) {
    List<Field> fields = new ArrayList<>();
    for (String column : columns) {
      fields.add(table.vector(column).getField());
    }
    return new Schema(fields);
  }

  static void stream(LoadedTable table, List<String> columns, List<RowRange> ranges, int batchRows,
      ServerStreamListener listener) {
    List<FieldVector> sources = new ArrayList<>();
    for (String column : columns) {
      sources.add(table.vector(column));
    }
    BufferAllocator allocator = sources.get(0).getAllocator();
    listener.setUseZeroCopy(true);
    ReadyWaiter waiter = new ReadyWaiter(listener);
    try (VectorSchemaRoot out = VectorSchemaRoot.create(schema(table, columns), allocator)) {
      listener.start(out, table.dictionaries());
      VectorLoader loader = new VectorLoader(out);
      for (RowRange range : ranges) {
        for (int start = range.start(); start < range.end(); start += batchRows) {
          int length = Math.min(batchRows, range.end() - start);
          if (!waiter.awaitReady()) {
            return;
          }
          try (VectorSchemaRoot slice = slice(sources, start, length, allocator);
              ArrowRecordBatch batch = new VectorUnloader(slice).getRecordBatch()) {
            loader.load(batch);
          }
          listener.putNext();
        }
      }
      listener.completed();
    }
  }

  private static VectorSchemaRoot slice(List<FieldVector> sources, int start, int length, BufferAllocator allocator) {
    List<FieldVector> slices = new ArrayList<>(sources.size());
    for (FieldVector source : sources) {
      TransferPair transfer = source.getTransferPair(allocator);
      transfer.splitAndTransfer(start, length);
      slices.add((FieldVector) transfer.getTo());
    }
    VectorSchemaRoot slice = new VectorSchemaRoot(slices);
    slice.setRowCount(length);
    return slice;
  }
}
