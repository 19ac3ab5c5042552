package org.softwareheritage.provenance.server.flight;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.ForeignAllocation;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.softwareheritage.provenance.server.index.RowRange;
import org.softwareheritage.provenance.server.storage.ColumnKind;
import org.softwareheritage.provenance.server.storage.Columns;
import org.softwareheritage.provenance.server.storage.LongColumn;
import org.softwareheritage.provenance.server.storage.Region;
import org.softwareheritage.provenance.server.storage.StoredTable;
import org.softwareheritage.provenance.swhid.ObjectType;

/**
 * Streams row ranges of a stored table in batches sent only when the client is ready for them, the
 * next batch's pages asked of the disk meanwhile. A batch within one range is the stored bytes
 * themselves, wrapped as Arrow buffers (nothing is copied but the small offsets of URL columns,
 * stored as 8-byte offsets and sent as 4-byte ones); the rows of many short ranges (a list of keys)
 * are copied into batches of their own. Wrapped buffers are accounted to an allocator that outlives
 * every call, so a batch still queued in gRPC when the call ends holds no call memory.
 */
final class TableStreamer {
  private TableStreamer() {}

  static void stream(
      StoredTable table,
      List<String> columns,
      List<RowRange> ranges,
      int batchRows,
      ServerStreamListener listener,
      BufferAllocator allocator) {
    listener.setUseZeroCopy(true);
    ReadyWaiter waiter = new ReadyWaiter(listener);
    try (VectorSchemaRoot out = VectorSchemaRoot.create(table.schema(columns), allocator);
        DictionaryProvider.MapDictionaryProvider dictionaries =
            dictionaries(columns, table, allocator)) {
      listener.start(out, dictionaries);
      VectorLoader loader = new VectorLoader(out);
      List<RowRange> pieces = new ArrayList<>();
      long rows = 0;
      for (RowRange range : ranges) {
        for (long start = range.start(); start < range.end(); ) {
          long end = Math.min(range.end(), start + batchRows - rows);
          pieces.add(new RowRange(start, end));
          rows += end - start;
          start = end;
          if (rows == batchRows) {
            if (!send(table, columns, pieces, listener, waiter, loader, allocator)) {
              return;
            }
            rows = 0;
          }
        }
      }
      if (!pieces.isEmpty() && !send(table, columns, pieces, listener, waiter, loader, allocator)) {
        return;
      }
      listener.completed();
    }
  }

  /**
   * Sends {@code pieces} as one batch once the client is ready, and empties the list; false if
   * cancelled.
   */
  private static boolean send(
      StoredTable table,
      List<String> columns,
      List<RowRange> pieces,
      ServerStreamListener listener,
      ReadyWaiter waiter,
      VectorLoader loader,
      BufferAllocator allocator) {
    RowRange last = pieces.get(pieces.size() - 1);
    prefetch(table, columns, last.end(), last.size());
    if (!waiter.awaitReady()) {
      return false;
    }
    try (ArrowRecordBatch batch =
        pieces.size() == 1
            ? slice(table, columns, pieces.get(0).start(), (int) pieces.get(0).size(), allocator)
            : gather(table, columns, pieces, allocator)) {
      loader.load(batch);
    }
    listener.putNext();
    pieces.clear();
    return true;
  }

  /** The record batch of rows [start, start + length) of {@code columns}, over the stored bytes. */
  private static ArrowRecordBatch slice(
      StoredTable table, List<String> columns, long start, int length, BufferAllocator allocator) {
    return batch(
        table,
        columns,
        List.of(new RowRange(start, start + length)),
        allocator,
        (column, buffers) -> {
          Region values = table.column(column);
          int width = table.kind(column).width();
          if (width > 0) {
            buffers.add(wrap(allocator, values.at(start * width), (long) length * width));
            return;
          }
          long offsets = table.offsets(column).at(start << 3);
          long first = MemoryUtil.getLong(offsets);
          long bytes =
              checkedBytes(values, first, MemoryUtil.getLong(offsets + ((long) length << 3)));
          ArrowBuf batchOffsets = allocator.buffer((length + 1L) * Integer.BYTES);
          buffers.add(batchOffsets);
          for (int i = 0; i <= length; i++) {
            batchOffsets.setInt(
                (long) i * Integer.BYTES,
                (int) (MemoryUtil.getLong(offsets + ((long) i << 3)) - first));
          }
          buffers.add(wrap(allocator, values.at(first), bytes));
        });
  }

  /**
   * The record batch of the rows of several short ranges (the rows of a list of keys), copied one
   * after the other: one batch of many keys rather than one batch per key.
   */
  private static ArrowRecordBatch gather(
      StoredTable table, List<String> columns, List<RowRange> pieces, BufferAllocator allocator) {
    int length = (int) rows(pieces);
    return batch(
        table,
        columns,
        pieces,
        allocator,
        (column, buffers) -> {
          Region values = table.column(column);
          int width = table.kind(column).width();
          if (width > 0) {
            ArrowBuf data = allocator.buffer((long) length * width);
            buffers.add(data);
            long to = data.memoryAddress();
            for (RowRange piece : pieces) {
              MemoryUtil.copyMemory(values.at(piece.start() * width), to, piece.size() * width);
              to += piece.size() * width;
            }
            return;
          }
          Region offsets = table.offsets(column);
          long bytes = 0;
          for (RowRange piece : pieces) {
            bytes +=
                checkedBytes(
                    values,
                    MemoryUtil.getLong(offsets.at(piece.start() << 3)),
                    MemoryUtil.getLong(offsets.at(piece.end() << 3)));
          }
          if (bytes > Integer.MAX_VALUE) {
            throw new IllegalStateException(
                "a batch of " + values.name() + " would hold " + bytes + " bytes");
          }
          ArrowBuf batchOffsets = allocator.buffer((length + 1L) * Integer.BYTES);
          buffers.add(batchOffsets);
          ArrowBuf data = allocator.buffer(Math.max(1, bytes));
          buffers.add(data);
          int row = 0;
          long end = 0;
          batchOffsets.setInt(0, 0);
          for (RowRange piece : pieces) {
            long first = MemoryUtil.getLong(offsets.at(piece.start() << 3));
            for (long r = piece.start(); r < piece.end(); r++) {
              batchOffsets.setInt(
                  (long) ++row * Integer.BYTES,
                  (int) (end + MemoryUtil.getLong(offsets.at((r + 1) << 3)) - first));
            }
            long pieceBytes = MemoryUtil.getLong(offsets.at(piece.end() << 3)) - first;
            MemoryUtil.copyMemory(values.at(first), data.memoryAddress() + end, pieceBytes);
            end += pieceBytes;
          }
        });
  }

  /** Adds the data buffers of one stored column of a batch (its offsets first if it has some). */
  private interface StoredColumnBuffers {
    void add(String column, List<ArrowBuf> buffers);
  }

  /**
   * The record batch of the rows of {@code pieces}: non-null columns (the receiving vector makes
   * its own validity bitmap), computed ones filled here, stored ones by {@code stored}.
   */
  private static ArrowRecordBatch batch(
      StoredTable table,
      List<String> columns,
      List<RowRange> pieces,
      BufferAllocator allocator,
      StoredColumnBuffers stored) {
    int length = (int) rows(pieces);
    List<ArrowFieldNode> nodes = new ArrayList<>();
    List<ArrowBuf> buffers = new ArrayList<>();
    try {
      for (String column : columns) {
        nodes.add(new ArrowFieldNode(length, 0));
        buffers.add(allocator.getEmpty());
        if (table.isComputed(column)) {
          buffers.add(computed(table.longs(column), pieces, allocator));
        } else {
          stored.add(column, buffers);
        }
      }
      return new ArrowRecordBatch(length, nodes, buffers);
    } finally {
      // the batch holds its own references
      AutoCloseables.closeNoChecked(() -> AutoCloseables.close(buffers));
    }
  }

  private static long rows(List<RowRange> pieces) {
    return pieces.stream().mapToLong(RowRange::size).sum();
  }

  /** The values of a computed column (consecutive ids) for the rows of {@code pieces}. */
  private static ArrowBuf computed(
      LongColumn values, List<RowRange> pieces, BufferAllocator allocator) {
    ArrowBuf data = allocator.buffer(rows(pieces) * Long.BYTES);
    long to = data.memoryAddress();
    for (RowRange piece : pieces) {
      for (long row = piece.start(); row < piece.end(); row++, to += Long.BYTES) {
        MemoryUtil.putLong(to, values.get(row));
      }
    }
    return data;
  }

  /** Bytes [first, end) of a variable-width column, checked to lie within its values. */
  private static long checkedBytes(Region values, long first, long end) {
    if (first < 0 || end < first || end > values.length() || end - first > Integer.MAX_VALUE) {
      throw new IllegalStateException(
          "damaged index: offsets [" + first + ", " + end + ") of " + values.name());
    }
    return end - first;
  }

  /**
   * Stored bytes as an Arrow buffer; they stay the store's, so releasing the buffer frees nothing.
   */
  private static ArrowBuf wrap(BufferAllocator allocator, long address, long length) {
    return allocator.wrapForeignAllocation(
        new ForeignAllocation(length, address) {
          @Override
          protected void release0() {}
        });
  }

  /** Asks the disk for the pages of rows [start, start + length) of {@code columns}. */
  private static void prefetch(StoredTable table, List<String> columns, long start, long length) {
    if (length <= 0) {
      return;
    }
    for (String column : columns) {
      int width = table.kind(column).width();
      if (table.isComputed(column)) {
        continue;
      }
      if (width > 0) {
        table.store().willNeed(table.column(column).at(start * width), length * width);
      } else {
        table.store().willNeed(table.offsets(column).at(start << 3), (length + 1) << 3);
      }
    }
  }

  /** The dictionary of the nodes' {@code type} column if it is streamed. */
  private static DictionaryProvider.MapDictionaryProvider dictionaries(
      List<String> columns, StoredTable table, BufferAllocator allocator) {
    DictionaryProvider.MapDictionaryProvider dictionaries =
        new DictionaryProvider.MapDictionaryProvider();
    if (columns.stream().anyMatch(column -> table.kind(column) == ColumnKind.NODE_TYPE)) {
      VarCharVector tags = new VarCharVector(Columns.TYPE, allocator);
      ObjectType[] types = ObjectType.values();
      tags.allocateNew(types.length);
      for (ObjectType type : types) {
        tags.setSafe(type.ordinal(), type.tag().getBytes(StandardCharsets.US_ASCII));
      }
      tags.setValueCount(types.length);
      dictionaries.put(
          new Dictionary(tags, ColumnKind.NODE_TYPE.memoryField(Columns.TYPE).getDictionary()));
    }
    return dictionaries;
  }
}
