package org.softwareheritage.provenance.server.storage;

import java.nio.charset.StandardCharsets;
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
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.softwareheritage.provenance.swhid.ObjectType;

/**
 * Reads the lookup columns of one table with Arrow's dataset API into the regions of a {@link
 * RegionStore}, normalised to one stored type per {@link ColumnKind}, then sorts the rows by the
 * table's sort key. Row counts are taken first (a scan with no column), so that every column is
 * written once, in place, at its final size.
 */
public final class TableLoader {
  /** Rows a table may have: row numbers are stored in 40 bits. */
  public static final long MAX_ROWS = (1L << 40) - 2;

  private static final long BATCH_ROWS = 1 << 17;
  private static final byte UNRESOLVED = -1;

  /** The three-letter tag of each object type, by ordinal, as {@link #packedTag} packs it. */
  private static final int[] PACKED_TAGS =
      Arrays.stream(ObjectType.values())
          .map(type -> type.tag().getBytes(StandardCharsets.US_ASCII))
          .mapToInt(tag -> packedTag(tag[0], tag[1], tag[2]))
          .toArray();

  private final BufferAllocator allocator;
  private final DatabaseLocation location;
  private final RegionStore store;

  /**
   * @param allocator Arrow memory for the scans (released batch by batch)
   * @param store where the columns are written
   */
  public TableLoader(BufferAllocator allocator, DatabaseLocation location, RegionStore store) {
    this.allocator = allocator;
    this.location = location;
    this.store = store;
  }

  /** Loads the lookup columns of {@code table} into the store. */
  public StoredTable load(ProvenanceTable table) {
    List<String> sources = location.sources(table);
    long[] sourceRows = new long[sources.size()];
    long rows = 0;
    for (int i = 0; i < sources.size(); i++) {
      sourceRows[i] = countRows(table, sources.get(i));
      rows += sourceRows[i];
    }
    if (rows > MAX_ROWS) {
      throw new DatabaseLoadException(
          "table "
              + table.directory()
              + ": "
              + rows
              + " rows, more than the "
              + MAX_ROWS
              + " rows a table may have");
    }
    List<ProvenanceTable.Column> columns = table.columns();
    Target[] targets = new Target[columns.size()];
    for (int c = 0; c < targets.length; c++) {
      targets[c] = new Target(table, columns.get(c), rows);
    }
    Progress progress = new Progress("loading table " + table.directory(), rows);
    long offset = 0;
    for (int i = 0; i < sources.size(); i++) {
      long copied = copyRows(table, sources.get(i), columns, targets, offset, rows, progress);
      if (copied != sourceRows[i]) {
        throw new DatabaseLoadException(
            "table "
                + table.directory()
                + ", file "
                + sources.get(i)
                + ": read "
                + copied
                + " rows, its metadata says "
                + sourceRows[i]);
      }
      offset += copied;
    }
    for (Target target : targets) {
      target.finish();
    }
    store.set(StoredTable.rowsKey(table), rows);
    store.set(StoredTable.filesKey(table), sources.size());
    progress.done();
    TableSorter.sort(table, store, rows);
    return StoredTable.open(table, store);
  }

  /** Where one column is written: a region of fixed-width values, or offsets and bytes. */
  private final class Target {
    private final ProvenanceTable.Column column;
    private Region values;
    private final Region offsets;
    private long bytes;

    Target(ProvenanceTable table, ProvenanceTable.Column column, long rows) {
      this.column = column;
      int width = column.kind().width();
      this.values =
          store.create(
              StoredTable.regionName(table, column.name()), width > 0 ? rows * width : rows * 32);
      this.offsets =
          width > 0
              ? null
              : store.create(
                  StoredTable.offsetsName(table, column.name()), (rows + 1) * Long.BYTES);
    }

    /** Room for {@code more} bytes of variable-width values. */
    void reserve(long more) {
      if (bytes + more > values.length()) {
        values = store.resize(values, Math.max(bytes + more, values.length() * 2));
      }
    }

    /** Trims variable-width values to the bytes written. */
    void finish() {
      if (offsets != null && values.length() != bytes) {
        values = store.resize(values, bytes);
      }
    }
  }

  private long countRows(ProvenanceTable table, String source) {
    return scan(
        table,
        source,
        new String[0],
        reader -> {
          long rows = 0;
          while (reader.loadNextBatch()) {
            rows += reader.getVectorSchemaRoot().getRowCount();
          }
          return rows;
        });
  }

  private long copyRows(
      ProvenanceTable table,
      String source,
      List<ProvenanceTable.Column> columns,
      Target[] targets,
      long offset,
      long rows,
      Progress progress) {
    String[] projection = columns.stream().map(ProvenanceTable.Column::name).toArray(String[]::new);
    return scan(
        table,
        source,
        projection,
        reader -> {
          long row = offset;
          while (reader.loadNextBatch()) {
            VectorSchemaRoot batch = reader.getVectorSchemaRoot();
            int count = batch.getRowCount();
            if (row + count > rows) {
              throw new DatabaseLoadException(
                  where(table, source) + ": more rows than its metadata says");
            }
            for (int c = 0; c < columns.size(); c++) {
              ProvenanceTable.Column column = columns.get(c);
              FieldVector from = batch.getVector(column.name());
              if (from.getNullCount() > 0) {
                throw new DatabaseLoadException(
                    where(table, source, column) + ": null values, the column must be non-null");
              }
              copy(table, source, from, reader, targets[c], row, count);
            }
            row += count;
            progress.advance(count);
          }
          return row - offset;
        });
  }

  private interface ReaderTask {
    long apply(ArrowReader reader) throws Exception;
  }

  private long scan(ProvenanceTable table, String source, String[] projection, ReaderTask task) {
    String where = where(table, source);
    try (DatasetFactory factory =
        new FileSystemDatasetFactory(
            allocator, NativeMemoryPool.getDefault(), FileFormat.PARQUET, source)) {
      checkSchema(where, factory.inspect(), table.columns());
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

  private static void checkSchema(
      String where, Schema schema, List<ProvenanceTable.Column> columns) {
    for (ProvenanceTable.Column column : columns) {
      Field field =
          schema.getFields().stream()
              .filter(f -> f.getName().equals(column.name()))
              .findFirst()
              .orElse(null);
      if (field == null) {
        throw new DatabaseLoadException(where + ", column " + column.name() + ": missing column");
      }
      if (!column.kind().accepts(field)) {
        throw new DatabaseLoadException(
            where
                + ", column "
                + column.name()
                + ": type "
                + field.getType()
                + (field.getDictionary() != null ? " (dictionary-encoded)" : "")
                + ", expected "
                + column.kind().expected());
      }
    }
  }

  private void copy(
      ProvenanceTable table,
      String source,
      FieldVector from,
      DictionaryProvider dictionaries,
      Target to,
      long row,
      int count) {
    switch (to.column.kind()) {
      case NODE_ID, SHA1_GIT -> copyFixedWidth((BaseFixedWidthVector) from, to.values, row, count);
      case TIMESTAMP -> copyTimestamps((TimeStampVector) from, to.values, row, count);
      case URL, PATH -> copyVariableWidth((BaseVariableWidthVector) from, to, row, count);
      case NODE_TYPE ->
          copyNodeTypes(table, source, to.column, from, dictionaries, to.values, row, count);
      default -> throw new IllegalStateException("unexpected column kind " + to.column.kind());
    }
  }

  private void copyFixedWidth(BaseFixedWidthVector from, Region to, long row, int count) {
    long width = from.getTypeWidth();
    store.write(to, row * width, from.getDataBufferAddress(), count * width);
  }

  /** Copies timestamps as seconds, converted in the batch's own buffer first. */
  private void copyTimestamps(TimeStampVector from, Region to, long row, int count) {
    long perSecond =
        switch (((ArrowType.Timestamp) from.getField().getType()).getUnit()) {
          case SECOND -> 1;
          case MILLISECOND -> 1_000;
          case MICROSECOND -> 1_000_000;
          case NANOSECOND -> 1_000_000_000;
        };
    long values = from.getDataBufferAddress();
    for (int i = 0; perSecond > 1 && i < count; i++) {
      long address = values + ((long) i << 3);
      MemoryUtil.putLong(address, Math.floorDiv(MemoryUtil.getLong(address), perSecond));
    }
    copyFixedWidth(from, to, row, count);
  }

  private void copyVariableWidth(BaseVariableWidthVector from, Target to, long row, int count) {
    int start = from.getStartOffset(0);
    int bytes = from.getStartOffset(count) - start;
    long base = to.bytes;
    to.reserve(bytes);
    store.write(to.values, base, from.getDataBufferAddress() + start, bytes);
    long offsets = to.offsets.at(row << 3);
    for (int i = 0; i <= count; i++) {
      MemoryUtil.putLong(offsets + ((long) i << 3), base + from.getStartOffset(i) - start);
    }
    to.bytes += bytes;
  }

  private static void copyNodeTypes(
      ProvenanceTable table,
      String source,
      ProvenanceTable.Column column,
      FieldVector from,
      DictionaryProvider dictionaries,
      Region to,
      long row,
      int count) {
    long target = to.at(row);
    if (from.getField().getDictionary() != null) {
      VarCharVector tags =
          (VarCharVector) dictionaries.lookup(from.getField().getDictionary().getId()).getVector();
      byte[] ordinals = new byte[tags.getValueCount()];
      Arrays.fill(ordinals, UNRESOLVED);
      BaseFixedWidthVector indices = (BaseFixedWidthVector) from;
      int width = indices.getTypeWidth();
      long address = indices.getDataBufferAddress();
      for (int i = 0; i < count; i++) {
        long index = dictionaryIndex(address, width, i);
        if (index < 0 || index >= ordinals.length) {
          throw new DatabaseLoadException(
              where(table, source, column) + ": dictionary index " + index + " out of range");
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

  private static byte typeOrdinal(
      ProvenanceTable table,
      String source,
      ProvenanceTable.Column column,
      VarCharVector tags,
      int index) {
    long offsets =
        tags.getOffsetBufferAddress() + (long) index * BaseVariableWidthVector.OFFSET_WIDTH;
    int start = MemoryUtil.getInt(offsets);
    if (MemoryUtil.getInt(offsets + BaseVariableWidthVector.OFFSET_WIDTH) - start == 3
        && !tags.isNull(index)) {
      long address = tags.getDataBufferAddress() + start;
      int packed =
          packedTag(
              MemoryUtil.getByte(address),
              MemoryUtil.getByte(address + 1),
              MemoryUtil.getByte(address + 2));
      for (int ordinal = 0; ordinal < PACKED_TAGS.length; ordinal++) {
        if (PACKED_TAGS[ordinal] == packed) {
          return (byte) ordinal;
        }
      }
    }
    throw new DatabaseLoadException(
        where(table, source, column) + ": unknown object type '" + tags.getObject(index) + "'");
  }

  private static int packedTag(byte first, byte second, byte third) {
    return (first & 0xff) << 16 | (second & 0xff) << 8 | (third & 0xff);
  }

  /** Names a file of a table for an error message. */
  private static String where(ProvenanceTable table, String source) {
    return "table " + table.directory() + ", file " + source;
  }

  /** Names a column of a file of a table for an error message. */
  private static String where(ProvenanceTable table, String source, ProvenanceTable.Column column) {
    return where(table, source) + ", column " + column.name();
  }

  private static String firstLine(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
