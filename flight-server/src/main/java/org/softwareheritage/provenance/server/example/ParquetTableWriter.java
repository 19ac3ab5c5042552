package org.softwareheritage.provenance.server.example;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.compression.CompressionCodecFactory.BytesInputCompressor;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.softwareheritage.provenance.server.storage.ColumnKind;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;

/**
 * Streams the rows of one table into ZSTD-compressed Parquet files of the database layout, the way
 * the upstream writer lays out a large database: several files per table, row groups of a bounded
 * number of rows, each column chunk with min/max statistics, each page with its CRC-32 (so a reader
 * that verifies page checksums, e.g. pyarrow's {@code page_checksum_verification}, detects a
 * damaged page). Memory is one row group at a time.
 *
 * <p>{@link TableWriter} cannot do this: Arrow Java's {@code DatasetFileWriter} takes no writer
 * properties (no compression, no row-group size). parquet-arrow's {@code SchemaConverter} is not
 * used either: it makes every column optional, writes fixed_size_binary as plain binary and has no
 * second-resolution timestamps, so the Parquet schema is built here from {@link ColumnKind}. Dates
 * are stored as {@code TIMESTAMP(MILLIS, UTC)}, which every reader maps to a UTC timestamp.
 *
 * <p>Usage: fill {@link #row()} column by column, call {@link #write()}; call {@link #endKey()}
 * between two keys so that a key never spans two files.
 */
public final class ParquetTableWriter implements Closeable {
  private static final int ZSTD_LEVEL = 3;
  private static final int PAGE_BYTES = 1 << 20;
  private static final int MAX_PADDING_BYTES = 0;
  private static final int TRUNCATE_LENGTH = 64;

  private final ProvenanceTable table;
  private final Path tableDirectory;
  private final long rowsPerFile;
  private final int rowsPerGroup;
  private final MessageType schema;
  private final ColumnDescriptor[] descriptors;
  private final ParquetProperties properties;
  private final Row row;

  private ParquetFileWriter file;
  private ColumnChunkPageWriteStore pages;
  private ColumnWriteStore columns;
  private ColumnWriter[] writers;
  private int files;
  private long rowsInFile;
  private int rowsInGroup;
  private long rows;

  /**
   * @param databaseDirectory the database; files go to its sub-directory named after the table
   * @param rowsPerFile a new file starts at the first {@link #endKey()} after this many rows
   * @param rowsPerGroup rows per row group
   */
  public ParquetTableWriter(
      ProvenanceTable table, Path databaseDirectory, long rowsPerFile, int rowsPerGroup)
      throws IOException {
    if (rowsPerFile < 1 || rowsPerGroup < 1) {
      throw new IllegalArgumentException("rows per file and per row group must be positive");
    }
    this.table = table;
    this.tableDirectory = databaseDirectory.resolve(table.directory());
    this.rowsPerFile = rowsPerFile;
    this.rowsPerGroup = rowsPerGroup;
    this.schema = parquetSchema(table);
    this.descriptors = schema.getColumns().toArray(new ColumnDescriptor[0]);
    this.properties =
        ParquetProperties.builder()
            .withPageSize(PAGE_BYTES)
            .withDictionaryEncoding(true)
            .withStatisticsEnabled(true)
            .withPageWriteChecksumEnabled(true)
            .build();
    this.row = new Row(table.allColumns().size());
    Files.createDirectories(tableDirectory);
  }

  /** The Parquet schema of a table: every column of the database layout, all required. */
  public static MessageType parquetSchema(ProvenanceTable table) {
    Types.MessageTypeBuilder builder = Types.buildMessage();
    for (ProvenanceTable.Column column : table.allColumns()) {
      switch (column.kind()) {
        case NODE_ID ->
            builder
                .required(PrimitiveTypeName.INT64)
                .as(LogicalTypeAnnotation.intType(64, false))
                .named(column.name());
        case NODE_TYPE, URL ->
            builder
                .required(PrimitiveTypeName.BINARY)
                .as(LogicalTypeAnnotation.stringType())
                .named(column.name());
        case SHA1_GIT ->
            builder
                .required(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY)
                .length(20)
                .named(column.name());
        case TIMESTAMP ->
            builder
                .required(PrimitiveTypeName.INT64)
                .as(
                    LogicalTypeAnnotation.timestampType(
                        true, LogicalTypeAnnotation.TimeUnit.MILLIS))
                .named(column.name());
        case PATH -> builder.required(PrimitiveTypeName.BINARY).named(column.name());
        default -> throw new IllegalStateException("unexpected column kind " + column.kind());
      }
    }
    return builder.named("schema");
  }

  /** The reusable row to fill before {@link #write()}. */
  public Row row() {
    return row;
  }

  /** Appends {@link #row()} to the table. */
  public void write() throws IOException {
    if (file == null) {
      startFile();
    }
    if (columns == null) {
      startGroup();
    }
    List<ProvenanceTable.Column> all = table.allColumns();
    for (int c = 0; c < descriptors.length; c++) {
      ColumnWriter writer = writers[c];
      switch (all.get(c).kind()) {
        case NODE_ID -> writer.write(row.longs[c], 0, 0);
        case TIMESTAMP -> writer.write(row.longs[c] * 1000, 0, 0);
        default -> writer.write(Binary.fromConstantByteArray(row.bytes[c]), 0, 0);
      }
    }
    columns.endRecord();
    rows++;
    rowsInFile++;
    if (++rowsInGroup == rowsPerGroup) {
      endGroup();
    }
  }

  /** Marks the end of a key's rows: the current file ends here if it is full. */
  public void endKey() throws IOException {
    if (file != null && rowsInFile >= rowsPerFile) {
      endFile();
    }
  }

  /** Rows written so far. */
  public long rows() {
    return rows;
  }

  /** Files started so far. */
  public int files() {
    return files;
  }

  @Override
  public void close() throws IOException {
    if (file != null) {
      endFile();
    } else if (files == 0) {
      startFile();
      endFile();
    }
  }

  private void startFile() throws IOException {
    Path path = tableDirectory.resolve(String.format("part-%05d.parquet", files));
    Files.deleteIfExists(path);
    file =
        new ParquetFileWriter(
            new LocalOutputFile(path),
            schema,
            ParquetFileWriter.Mode.CREATE,
            Long.MAX_VALUE,
            MAX_PADDING_BYTES,
            TRUNCATE_LENGTH,
            TRUNCATE_LENGTH,
            false);
    file.start();
    files++;
    rowsInFile = 0;
  }

  private void startGroup() {
    pages =
        new ColumnChunkPageWriteStore(
            ZstdCompressor.INSTANCE,
            schema,
            HeapByteBufferAllocator.getInstance(),
            TRUNCATE_LENGTH,
            false);
    columns = properties.newColumnWriteStore(schema, pages);
    writers = new ColumnWriter[descriptors.length];
    for (int c = 0; c < descriptors.length; c++) {
      writers[c] = columns.getColumnWriter(descriptors[c]);
    }
    rowsInGroup = 0;
  }

  private void endGroup() throws IOException {
    file.startBlock(rowsInGroup);
    columns.flush();
    pages.flushToFileWriter(file);
    file.endBlock();
    columns.close();
    pages.close();
    columns = null;
    pages = null;
  }

  private void endFile() throws IOException {
    if (columns != null && rowsInGroup > 0) {
      endGroup();
    }
    file.end(Map.of());
    file = null;
  }

  /** One row's values by column index of {@link ProvenanceTable#allColumns()}. */
  public static final class Row {
    private final long[] longs;
    private final byte[][] bytes;

    Row(int columns) {
      longs = new long[columns];
      bytes = new byte[columns][];
    }

    /** Sets a node id, or a date in seconds since the epoch. */
    public Row set(int column, long value) {
      longs[column] = value;
      return this;
    }

    /** Sets a type tag, hash, URL or path (the array is kept, not copied). */
    public Row set(int column, byte[] value) {
      bytes[column] = value;
      return this;
    }
  }

  /** ZSTD page compression through zstd-jni, without Hadoop's codec classes. */
  private enum ZstdCompressor implements BytesInputCompressor {
    INSTANCE;

    @Override
    public BytesInput compress(BytesInput bytes) throws IOException {
      ByteArrayOutputStream page = new ByteArrayOutputStream(Math.toIntExact(bytes.size()));
      bytes.writeAllTo(page);
      return BytesInput.from(Zstd.compress(page.toByteArray(), ZSTD_LEVEL));
    }

    @Override
    public CompressionCodecName getCodecName() {
      return CompressionCodecName.ZSTD;
    }

    @Override
    public void release() {
      // stateless
    }
  }
}
