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
import org.softwareheritage.provenance.server.storage.Region;
import org.softwareheritage.provenance.server.storage.StoredTable;
import org.softwareheritage.provenance.swhid.ObjectType;

/**
 * Streams row ranges of a stored table: each batch's values are the stored bytes themselves,
 * wrapped as Arrow buffers (nothing is copied but the small offsets of URL columns, which are
 * stored as 8-byte offsets and sent as 4-byte ones), sent only when the client is ready for them,
 * and the next batch's pages are asked of the disk meanwhile. Wrapped buffers are accounted to an
 * allocator that outlives every call, so a batch still queued in gRPC when the call ends holds no
 * call memory.
 */
final class TableStreamer {
  private TableStreamer() {}

  static void stream(StoredTable table, List<String> columns, List<RowRange> ranges, int batchRows,
      ServerStreamListener listener, BufferAllocator allocator) {
    listener.setUseZeroCopy(true);
    ReadyWaiter waiter = new ReadyWaiter(listener);
    try (VectorSchemaRoot out = VectorSchemaRoot.create(table.schema(columns), allocator);
        DictionaryProvider.MapDictionaryProvider dictionaries = dictionaries(columns, table, allocator)) {
      listener.start(out, dictionaries);
      VectorLoader loader = new VectorLoader(out);
      for (RowRange range : ranges) {
        for (long start = range.start(); start < range.end(); start += batchRows) {
          int length = (int) Math.min(batchRows, range.end() - start);
          prefetch(table, columns, start + length, Math.min(batchRows, range.end() - start - length));
          if (!waiter.awaitReady()) {
            return;
          }
          try (ArrowRecordBatch batch = batch(table, columns, start, length, allocator)) {
            loader.load(batch);
          }
          listener.putNext();
        }
      }
      listener.completed();
    }
  }

  /** The record batch of rows [start, start + length) of {@code columns}, over the stored bytes. */
  private static ArrowRecordBatch batch(StoredTable table, List<String> columns, long start, int length,
      BufferAllocator allocator) {
    List<ArrowFieldNode> nodes = new ArrayList<>();
    List<ArrowBuf> buffers = new ArrayList<>();
    try {
      for (String column : columns) {
        nodes.add(new ArrowFieldNode(length, 0));
        // non-null columns: the receiving vector makes its own validity bitmap
        buffers.add(allocator.getEmpty());
        Region values = table.column(column);
        int width = table.kind(column).width();
        if (width > 0) {
          buffers.add(wrap(allocator, values.at(start * width), (long) length * width));
        } else {
          long offsets = table.offsets(column).at(start << 3);
          long first = MemoryUtil.getLong(offsets);
          long bytes = MemoryUtil.getLong(offsets + ((long) length << 3)) - first;
          if (bytes < 0 || first < 0 || first + bytes > values.length() || bytes > Integer.MAX_VALUE) {
            throw new IllegalStateException("damaged index: offsets of " + values.name() + " at row " + start);
          }
          ArrowBuf batchOffsets = allocator.buffer((length + 1L) * Integer.BYTES);
          buffers.add(batchOffsets);
          for (int i = 0; i <= length; i++) {
            batchOffsets.setInt((long) i * Integer.BYTES, (int) (MemoryUtil.getLong(offsets + ((long) i << 3)) - first));
          }
          buffers.add(wrap(allocator, values.at(first), bytes));
        }
      }
      return new ArrowRecordBatch(length, nodes, buffers);
    } finally {
      // the batch holds its own references
      AutoCloseables.closeNoChecked(() -> AutoCloseables.close(buffers));
    }
  }

  /** Stored bytes as an Arrow buffer; they stay the store's, so releasing the buffer frees nothing. */
  private static ArrowBuf wrap(BufferAllocator allocator, long address, long length) {
    return allocator.wrapForeignAllocation(new ForeignAllocation(length, address) {
      @Override
      protected void release0() {
      }
    });
  }

  /** Asks the disk for the pages of rows [start, start + length) of {@code columns}. */
  private static void prefetch(StoredTable table, List<String> columns, long start, long length) {
    if (length <= 0) {
      return;
    }
    for (String column : columns) {
      int width = table.kind(column).width();
      if (width > 0) {
        table.store().willNeed(table.column(column).at(start * width), length * width);
      } else {
        table.store().willNeed(table.offsets(column).at(start << 3), (length + 1) << 3);
      }
    }
  }

  /** The dictionary of the nodes' {@code type} column if it is streamed. */
  private static DictionaryProvider.MapDictionaryProvider dictionaries(List<String> columns, StoredTable table,
      BufferAllocator allocator) {
    DictionaryProvider.MapDictionaryProvider dictionaries = new DictionaryProvider.MapDictionaryProvider();
    if (columns.stream().anyMatch(column -> table.kind(column) == ColumnKind.NODE_TYPE)) {
      VarCharVector tags = new VarCharVector("type", allocator);
      ObjectType[] types = ObjectType.values();
      tags.allocateNew(types.length);
      for (ObjectType type : types) {
        tags.setSafe(type.ordinal(), type.tag().getBytes(StandardCharsets.US_ASCII));
      }
      tags.setValueCount(types.length);
      dictionaries.put(new Dictionary(tags, ColumnKind.NODE_TYPE.memoryField("type").getDictionary()));
    }
    return dictionaries;
  }
}
