package org.softwareheritage.provenance.server.verify;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.arrow.schema.SchemaConverter;
import org.apache.parquet.column.statistics.LongStatistics;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.format.Util;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.softwareheritage.provenance.server.index.IndexedDatabase;
import org.softwareheritage.provenance.server.storage.ColumnKind;
import org.softwareheritage.provenance.server.storage.DatabaseLoadException;
import org.softwareheritage.provenance.server.storage.DatabaseLocation;
import org.softwareheritage.provenance.server.storage.MemoryStore;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;

/**
 * Checks a local database for the restore procedure, reading Parquet footers with parquet-java (no
 * Hadoop): every file readable, every table's schema (converted to Arrow by parquet-arrow) has the
 * layout's columns with accepted types, row counts, and key ranges (from column statistics) within
 * the ids of {@code nodes} and {@code origins}; then, if all of that holds, loads the database as
 * {@code serve} does, which checks every reference between tables (not only a sample) and the sort
 * order.
 */
public final class DatabaseVerifier {
  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

  /** What was found: problems (one line each) and rows per table. */
  public record Report(List<String> problems, Map<ProvenanceTable, Long> rows) {
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  private record Range(long min, long max) {
    boolean contains(Range other) {
      return Long.compareUnsigned(min, other.min) <= 0 && Long.compareUnsigned(other.max, max) <= 0;
    }

    Range union(Range other) {
      return other == null
          ? this
          : new Range(
              Long.compareUnsigned(min, other.min) <= 0 ? min : other.min,
              Long.compareUnsigned(max, other.max) >= 0 ? max : other.max);
    }
  }

  private final DatabaseLocation location;
  private final List<String> problems = new ArrayList<>();
  private final Map<ProvenanceTable, Long> rows = new EnumMap<>(ProvenanceTable.class);
  private final Map<String, Range> ranges = new java.util.HashMap<>();

  private DatabaseVerifier(Path root) {
    this.location = DatabaseLocation.of(root);
  }

  /**
   * Verifies the database in {@code root}, loading it with {@code allocator} if its files look
   * right.
   */
  public static Report verify(Path root, BufferAllocator allocator) {
    DatabaseVerifier verifier = new DatabaseVerifier(root);
    for (ProvenanceTable table : ProvenanceTable.values()) {
      verifier.checkFiles(table);
    }
    verifier.checkKeyRanges();
    if (verifier.problems.isEmpty()) {
      verifier.load(allocator);
    }
    return new Report(List.copyOf(verifier.problems), verifier.rows);
  }

  private void checkFiles(ProvenanceTable table) {
    List<String> sources;
    try {
      sources = location.sources(table);
    } catch (DatabaseLoadException e) {
      problems.add(e.getMessage());
      return;
    }
    long total = 0;
    for (String source : sources) {
      Path file = Path.of(URI.create(source));
      String where = "table " + table.directory() + ", file " + file;
      ParquetMetadata footer;
      try {
        footer = readFooter(file);
      } catch (IOException | RuntimeException e) {
        problems.add(where + ": not a readable Parquet file: " + firstLine(e));
        continue;
      }
      checkSchema(table, where, footer.getFileMetaData().getSchema());
      for (BlockMetaData block : footer.getBlocks()) {
        total += block.getRowCount();
        for (ColumnChunkMetaData chunk : block.getColumns()) {
          recordRange(table, chunk);
        }
      }
    }
    rows.put(table, total);
  }

  /**
   * The footer of a Parquet file, read with parquet-java's metadata classes only: its file readers
   * need Hadoop, which the server does not ship.
   */
  public static ParquetMetadata readFooter(Path file) throws IOException {
    try (SeekableByteChannel channel = Files.newByteChannel(file)) {
      long size = channel.size();
      ByteBuffer tail = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      if (size < 12
          || readFully(channel.position(size - 8), tail) != 8
          || !Arrays.equals(Arrays.copyOfRange(tail.array(), 4, 8), MAGIC)) {
        throw new IOException("no Parquet footer (file truncated?)");
      }
      int length = tail.getInt(0);
      if (length <= 0 || length > size - 12) {
        throw new IOException("footer length " + length + " does not fit in " + size + " bytes");
      }
      ByteBuffer footer = ByteBuffer.allocate(length);
      readFully(channel.position(size - 8 - length), footer);
      return new ParquetMetadataConverter()
          .fromParquetMetadata(Util.readFileMetaData(new ByteArrayInputStream(footer.array())));
    }
  }

  private static int readFully(SeekableByteChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      if (channel.read(buffer) < 0) {
        break;
      }
    }
    return buffer.position();
  }

  private void checkSchema(ProvenanceTable table, String where, MessageType parquet) {
    Schema arrow;
    try {
      arrow = new SchemaConverter().fromParquet(parquet).getArrowSchema();
    } catch (RuntimeException e) {
      problems.add(where + ": schema cannot be read as Arrow: " + firstLine(e));
      return;
    }
    for (ProvenanceTable.Column column : table.allColumns()) {
      Field field =
          arrow.getFields().stream()
              .filter(f -> f.getName().equals(column.name()))
              .findFirst()
              .orElse(null);
      if (field == null) {
        if (column.lookup()) {
          problems.add(where + ", column " + column.name() + ": missing column");
        }
        continue;
      }
      if (!accepts(column.kind(), field, parquet.getType(column.name()))) {
        problems.add(
            where
                + ", column "
                + column.name()
                + ": type "
                + field.getType()
                + ", expected "
                + column.kind().expected());
      }
    }
  }

  /**
   * Whether the column can be loaded as {@code kind}; fixed-size binaries are checked on the
   * Parquet type, which parquet-arrow converts to variable-size binary.
   */
  private static boolean accepts(ColumnKind kind, Field field, Type parquet) {
    if (kind == ColumnKind.SHA1_GIT) {
      return parquet.isPrimitive()
          && parquet.asPrimitiveType().getPrimitiveTypeName()
              == PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY
          && parquet.asPrimitiveType().getTypeLength() == 20;
    }
    if (kind == ColumnKind.NODE_TYPE) {
      return field.getType() instanceof org.apache.arrow.vector.types.pojo.ArrowType.Utf8
          || field.getType() instanceof org.apache.arrow.vector.types.pojo.ArrowType.Binary;
    }
    return kind.accepts(field);
  }

  private void recordRange(ProvenanceTable table, ColumnChunkMetaData chunk) {
    Statistics<?> statistics = chunk.getStatistics();
    if (!(statistics instanceof LongStatistics longs) || !longs.hasNonNullValue()) {
      return;
    }
    String column = chunk.getPath().toDotString();
    boolean isId =
        table.allColumns().stream()
            .anyMatch(c -> c.name().equals(column) && c.kind() == ColumnKind.NODE_ID);
    if (isId) {
      ranges.merge(
          table.directory() + "." + column,
          new Range(longs.getMin(), longs.getMax()),
          Range::union);
    }
  }

  /**
   * Every node id a table names must lie within the ids of {@code nodes} (origins: of {@code
   * origins}).
   */
  private void checkKeyRanges() {
    Range nodes = ranges.get("nodes.id");
    Range origins = ranges.get("origins.id");
    for (Map.Entry<String, Range> entry : ranges.entrySet()) {
      String column = entry.getKey();
      if (column.equals("nodes.id") || column.equals("origins.id")) {
        continue;
      }
      Range outer = column.endsWith(".ori") ? origins : nodes;
      if (outer != null && !outer.contains(entry.getValue())) {
        problems.add(
            "column "
                + column
                + ": ids "
                + Long.toUnsignedString(entry.getValue().min())
                + ".."
                + Long.toUnsignedString(entry.getValue().max())
                + " exceed the ids "
                + Long.toUnsignedString(outer.min())
                + ".."
                + Long.toUnsignedString(outer.max())
                + " of "
                + (column.endsWith(".ori") ? "origins" : "nodes"));
      }
    }
  }

  private void load(BufferAllocator allocator) {
    try (IndexedDatabase data = IndexedDatabase.build(location, allocator, new MemoryStore())) {
      for (ProvenanceTable table : ProvenanceTable.values()) {
        long loaded = data.database().table(table).rowCount();
        if (loaded != rows.get(table)) {
          problems.add(
              "table "
                  + table.directory()
                  + ": "
                  + loaded
                  + " rows loaded, the footers say "
                  + rows.get(table));
        }
      }
    } catch (RuntimeException e) {
      problems.add(firstLine(e));
    }
  }

  private static String firstLine(Exception e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.lines().findFirst().orElse("");
  }
}
