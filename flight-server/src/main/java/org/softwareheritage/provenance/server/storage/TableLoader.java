package org.softwareheritage.provenance.server.storage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.dataset.file.FileSystemDatasetFactory;
import org.apache.arrow.dataset.jni.NativeMemoryPool;
import org.apache.arrow.dataset.scanner.ScanOptions;
import org.apache.arrow.dataset.scanner.Scanner;
import org.apache.arrow.dataset.source.Dataset;
import org.apache.arrow.dataset.source.DatasetFactory;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.softwareheritage.provenance.swhid.ObjectType;

/**
 * Reads one table of a database with Arrow's dataset API into contiguous off-heap vectors,
 * projecting only the requested columns, then sorts the rows by the table's sort key. Row counts
 * are taken first (a scan with no column) so every vector is allocated once, at its exact size.
 */
public final class TableLoader {
  private static final long BATCH_ROWS = 1 << 17;
  private static final byte UNRESOLVED = -1;
  /** The three-letter tag of each object type, by ordinal, as {@link #packedTag} packs it. */
  private static final int[] PACKED_TAGS = Arrays.stream(ObjectType.values())
      .map(type -> type.tag().getBytes(StandardCharsets.US_ASCII))
      .mapToInt(tag -> packedTag(tag[0], tag[1], tag[2]))
      .toArray();

  private final BufferAllocator allocator;
  private final DatabaseLocation location;

  public TableLoader(BufferAllocator allocator, DatabaseLocation location) {
    this.allocator = allocator;
    this.location = location;
  }

  /** Loads the lookup columns of {@code table}. */
  public LoadedTable load(ProvenanceTable table) {
    return load(table, table.columns());
  }

  /** Loads {@code columns} of {@code table}; the sort-key columns must be among them. */
  public LoadedTable load(ProvenanceTable table, List<ProvenanceTable.Column> columns) {
    List<String> sources = location.sources(table);
    long[] sourceRows = new long[sources.size()];
    long totalRows = 0;
    for (int i = 0; i < sources.size(); i++) {
      sourceRows[i] = countRows(table, sources.get(i), columns);
      totalRows += sourceRows[i];
    }
    if (totalRows > Integer.MAX_VALUE - 1) {
      throw new DatabaseLoadException("table " + table.directory() + ": " + totalRows
          + " rows, more than the " + (Integer.MAX_VALUE - 1) + " rows a table may have");
    }
    int rows = (int) totalRows;
    List<FieldVector> vectors = new ArrayList<>();
    DictionaryProvider.MapDictionaryProvider dictionaries = new DictionaryProvider.MapDictionaryProvider();
    try {
      for (ProvenanceTable.Column column : columns) {
        FieldVector vector = column.kind().memoryField(column.name()).createVector(allocator);
        vectors.add(vector);
        allocate(vector, rows);
        if (column.kind() == ColumnKind.NODE_TYPE) {
          dictionaries.put(nodeTypeDictionary());
        }
      }
      int offset = 0;
      for (int i = 0; i < sources.size(); i++) {
        int copied = copyRows(table, sources.get(i), columns, vectors, offset, rows);
        if (copied != sourceRows[i]) {
          throw new DatabaseLoadException("table " + table.directory() + ", file " + sources.get(i)
              + ": read " + copied + " rows, its metadata says " + sourceRows[i]);
        }
        offset += copied;
      }
      for (FieldVector vector : vectors) {
        ArrowBuf validity = vector.getValidityBuffer();
        validity.setOne(0, validity.capacity());
        vector.setValueCount(rows);
      }
      List<FieldVector> sorted = TableSorter.sort(table, columns, vectors, allocator);
      return new LoadedTable(table, sorted, dictionaries, sources.size());
    } catch (RuntimeException | Error e) {
      closeQuietly(vectors, e);
      closeQuietly(List.of(dictionaries), e);
      throw e;
    }
  }

  private Dictionary nodeTypeDictionary() {
    VarCharVector tags = new VarCharVector("type", allocator);
    ObjectType[] types = ObjectType.values();
    tags.allocateNew(types.length);
    for (ObjectType type : types) {
      tags.setSafe(type.ordinal(), type.tag().getBytes(StandardCharsets.US_ASCII));
    }
    tags.setValueCount(types.length);
    return new Dictionary(tags, ColumnKind.NODE_TYPE.memoryField("type").getDictionary());
  }

  private static void allocate(FieldVector vector, int rows) {
    if (vector instanceof BaseFixedWidthVector fixed) {
      fixed.allocateNew(rows);
    } else if (vector instanceof BaseVariableWidthVector variable) {
      variable.allocateNew(Math.max(rows, 1) * 32L, rows);
    } else {
      throw new IllegalStateException("unexpected vector " + vector.getClass().getSimpleName());
    }
  }

  private long countRows(ProvenanceTable table, String source, List<ProvenanceTable.Column> columns) {
    return scan(table, source, columns, new String[0], reader -> {
      long rows = 0;
      while (reader.loadNextBatch()) {
        rows += reader.getVectorSchemaRoot().getRowCount();
      }
      return rows;
    });
  }

  private int copyRows(ProvenanceTable table, String source, List<ProvenanceTable.Column> columns,
      List<FieldVector> targets, int offset, int rows) {
    String[] projection = columns.stream().map(ProvenanceTable.Column::name).toArray(String[]::new);
    return (int) scan(table, source, columns, projection, reader -> {
      int row = offset;
      while (reader.loadNextBatch()) {
        VectorSchemaRoot batch = reader.getVectorSchemaRoot();
        int count = batch.getRowCount();
        if ((long) row + count > rows) {
          throw new DatabaseLoadException("table " + table.directory() + ", file " + source
              + ": more rows than its metadata says");
        }
        for (int c = 0; c < columns.size(); c++) {
          ProvenanceTable.Column column = columns.get(c);
          FieldVector from = batch.getVector(column.name());
          if (from.getNullCount() > 0) {
            throw new DatabaseLoadException("table " + table.directory() + ", file " + source
                + ", column " + column.name() + ": null values, the column must be non-null");
          }
          copy(table, source, column, from, reader, targets.get(c), row, count);
        }
        row += count;
      }
      return (long) (row - offset);
    });
  }

  private interface ReaderTask {
    long apply(ArrowReader reader) throws Exception;
  }

  private long scan(ProvenanceTable table, String source, List<ProvenanceTable.Column> columns,
      String[] projection, ReaderTask task) {
    String where = "table " + table.directory() + ", file " + source;
    try (DatasetFactory factory = new FileSystemDatasetFactory(
        allocator, NativeMemoryPool.getDefault(), FileFormat.PARQUET, source)) {
      checkSchema(where, factory.inspect(), columns);
      try (Dataset dataset = factory.finish();
          Scanner scanner = dataset.newScan(new ScanOptions(BATCH_ROWS, Optional.of(projection)));
          ArrowReader reader = scanner.scanBatches()) {
        return task.apply(reader);
      }
    } catch (DatabaseLoadException e) {
      throw e;
    } catch (Exception e) {
      throw new DatabaseLoadException(where + ": cannot read: " + firstLine(e), e);
    }
  }

  private static void checkSchema(String where, Schema schema, List<ProvenanceTable.Column> columns) {
    for (ProvenanceTable.Column column : columns) {
      Field field = schema.getFields().stream()
          .filter(f -> f.getName().equals(column.name())).findFirst().orElse(null);
      if (field == null) {
        throw new DatabaseLoadException(where + ", column " + column.name() + ": missing column");
      }
      if (!column.kind().accepts(field)) {
        throw new DatabaseLoadException(where + ", column " + column.name() + ": type " + field.getType()
            + (field.getDictionary() != null ? " (dictionary-encoded)" : "")
            + ", expected " + column.kind().expected());
      }
    }
  }

  private static void copy(ProvenanceTable table, String source, ProvenanceTable.Column column,
      FieldVector from, DictionaryProvider dictionaries, FieldVector to, int row, int count) {
    switch (column.kind()) {
      case NODE_ID, SHA1_GIT -> copyFixedWidth((BaseFixedWidthVector) from, (BaseFixedWidthVector) to, row, count);
      case TIMESTAMP -> copyTimestamps((TimeStampVector) from, (BaseFixedWidthVector) to, row, count);
      case URL, PATH -> copyVariableWidth((BaseVariableWidthVector) from, (BaseVariableWidthVector) to, row, count);
      case NODE_TYPE -> copyNodeTypes(table, source, column, from, dictionaries, (TinyIntVector) to, row, count);
      default -> throw new IllegalStateException("unexpected column kind " + column.kind());
    }
  }

  private static void copyFixedWidth(BaseFixedWidthVector from, BaseFixedWidthVector to, int row, int count) {
    long width = from.getTypeWidth();
    to.getDataBuffer().setBytes(row * width, from.getDataBuffer(), 0, count * width);
  }

  private static void copyTimestamps(TimeStampVector from, BaseFixedWidthVector to, int row, int count) {
    long perSecond = switch (((ArrowType.Timestamp) from.getField().getType()).getUnit()) {
      case SECOND -> 1;
      case MILLISECOND -> 1_000;
      case MICROSECOND -> 1_000_000;
      case NANOSECOND -> 1_000_000_000;
    };
    if (perSecond == 1) {
      copyFixedWidth(from, to, row, count);
      return;
    }
    long source = from.getDataBufferAddress();
    long target = to.getDataBufferAddress() + ((long) row << 3);
    for (int i = 0; i < count; i++) {
      long value = MemoryUtil.getLong(source + ((long) i << 3));
      MemoryUtil.putLong(target + ((long) i << 3), Math.floorDiv(value, perSecond));
    }
  }

  private static void copyVariableWidth(BaseVariableWidthVector from, BaseVariableWidthVector to, int row, int count) {
    int base = to.getOffsetBuffer().getInt((long) row * BaseVariableWidthVector.OFFSET_WIDTH);
    int start = from.getStartOffset(0);
    int bytes = from.getStartOffset(count) - start;
    while (to.getDataBuffer().capacity() < (long) base + bytes) {
      to.reallocDataBuffer();
    }
    to.getDataBuffer().setBytes(base, from.getDataBuffer(), start, bytes);
    ArrowBuf offsets = to.getOffsetBuffer();
    for (int i = 1; i <= count; i++) {
      offsets.setInt((long) (row + i) * BaseVariableWidthVector.OFFSET_WIDTH, base + from.getStartOffset(i) - start);
    }
    to.setLastSet(row + count - 1);
  }

  private static void copyNodeTypes(ProvenanceTable table, String source, ProvenanceTable.Column column,
      FieldVector from, DictionaryProvider dictionaries, TinyIntVector to, int row, int count) {
    long target = to.getDataBufferAddress() + row;
    if (from.getField().getDictionary() != null) {
      VarCharVector tags = (VarCharVector) dictionaries.lookup(from.getField().getDictionary().getId()).getVector();
      byte[] ordinals = new byte[tags.getValueCount()];
      Arrays.fill(ordinals, UNRESOLVED);
      BaseFixedWidthVector indices = (BaseFixedWidthVector) from;
      int width = indices.getTypeWidth();
      long address = indices.getDataBufferAddress();
      for (int i = 0; i < count; i++) {
        long index = dictionaryIndex(address, width, i);
        if (index < 0 || index >= ordinals.length) {
          throw new DatabaseLoadException("table " + table.directory() + ", file " + source + ", column "
              + column.name() + ": dictionary index " + index + " out of range");
        }
        if (ordinals[(int) index] == UNRESOLVED) {
          ordinals[(int) index] = typeOrdinal(table, source, column, tags, (int) index);
        }
        MemoryUtil.putByte(target + i, ordinals[(int) index]);
      }
    } else {
      VarCharVector tags = (VarCharVector) from;
      for (int i = 0; i < count; i++) {
        MemoryUtil.putByte(target + i, typeOrdinal(table, source, column, tags, i));
      }
    }
  }

  private static long dictionaryIndex(long address, int width, int i) {
    return switch (width) {
      case Byte.BYTES -> MemoryUtil.getByte(address + i);
      case Short.BYTES -> MemoryUtil.getShort(address + ((long) i << 1));
      case Integer.BYTES -> MemoryUtil.getInt(address + ((long) i << 2));
      default -> MemoryUtil.getLong(address + ((long) i << 3));
    };
  }

  private static byte typeOrdinal(ProvenanceTable table, String source, ProvenanceTable.Column column,
      VarCharVector tags, int index) {
    long offsets = tags.getOffsetBufferAddress() + (long) index * BaseVariableWidthVector.OFFSET_WIDTH;
    int start = MemoryUtil.getInt(offsets);
    if (MemoryUtil.getInt(offsets + BaseVariableWidthVector.OFFSET_WIDTH) - start == 3 && !tags.isNull(index)) {
      long address = tags.getDataBufferAddress() + start;
      int packed = packedTag(MemoryUtil.getByte(address), MemoryUtil.getByte(address + 1), MemoryUtil.getByte(address + 2));
      for (int ordinal = 0; ordinal < PACKED_TAGS.length; ordinal++) {
        if (PACKED_TAGS[ordinal] == packed) {
          return (byte) ordinal;
        }
      }
    }
    throw new DatabaseLoadException("table " + table.directory() + ", file " + source + ", column "
        + column.name() + ": unknown object type '" + tags.getObject(index) + "'");
  }

  private static int packedTag(byte first, byte second, byte third) {
    return (first & 0xff) << 16 | (second & 0xff) << 8 | (third & 0xff);
  }

  private static String firstLine(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  private static void closeQuietly(List<? extends AutoCloseable> resources, Throwable failure) {
    try {
      AutoCloseables.close(resources);
    } catch (Exception e) {
      failure.addSuppressed(e);
    }
  }
}
