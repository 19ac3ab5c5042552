package org.softwareheritage.provenance.server.example;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.dataset.file.DatasetFileWriter;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.TimeStampSecTZVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.Field;
import org.softwareheritage.provenance.server.storage.ColumnKind;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;
import org.softwareheritage.provenance.swhid.ObjectType;

/**
 * Writes rows of a table as a Parquet file in the database layout, with every column of {@link
 * ProvenanceTable#allColumns()} (the nodes' {@code type} dictionary-encoded or plain). Used to
 * write the example database and test databases.
 *
 * <p>Row values by column kind: node ids {@link Long}, types {@link ObjectType}, sha1_git and paths
 * {@code byte[]}, dates {@link Long} seconds, URLs {@link String}.
 */
public final class TableWriter {
  private static final long RELEASE_TIMEOUT_NANOS = 10_000_000_000L;

  private final BufferAllocator allocator;
  private final Path databaseDirectory;

  public TableWriter(BufferAllocator allocator, Path databaseDirectory) {
    this.allocator = allocator;
    this.databaseDirectory = databaseDirectory;
  }

  /**
   * Writes {@code rows} as {@code <database>/<table>/<relativePath>} (e.g. {@code part-0.parquet}
   * or {@code partition=1/part-0.parquet}).
   */
  public Path write(
      ProvenanceTable table, String relativePath, List<Object[]> rows, boolean dictionaryTypes)
      throws IOException {
    Path file = databaseDirectory.resolve(table.directory()).resolve(relativePath);
    writeRows(table, rows, dictionaryTypes, file);
    return file;
  }

  /** Writes every batch of {@code root} (any schema) as the Parquet file {@code file}. */
  public static void writeParquet(
      BufferAllocator allocator, VectorSchemaRoot root, DictionaryProvider dictionaries, Path file)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ArrowStreamWriter writer =
        new ArrowStreamWriter(root, dictionaries, Channels.newChannel(out))) {
      writer.start();
      writer.writeBatch();
      writer.end();
    }
    writeParquet(allocator, out.toByteArray(), file);
  }

  private static void writeParquet(BufferAllocator allocator, byte[] ipcStream, Path file)
      throws IOException {
    Files.createDirectories(file.getParent());
    Path staging = Files.createTempDirectory(file.getParent(), ".writing-");
    try (BufferAllocator writerMemory =
        allocator.newChildAllocator("parquet-writer", 0, Long.MAX_VALUE)) {
      try (ArrowStreamReader reader =
          new ArrowStreamReader(new ByteArrayInputStream(ipcStream), writerMemory)) {
        DatasetFileWriter.write(
            writerMemory,
            reader,
            FileFormat.PARQUET,
            staging.toUri().toString(),
            new String[0],
            1,
            "part-{i}.parquet");
      }
      awaitReleased(writerMemory);
      Files.move(staging.resolve("part-0.parquet"), file, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(staging);
    }
  }

  /**
   * Arrow's native dataset writer releases the last batches it imported on one of its own threads,
   * shortly after {@link DatasetFileWriter#write} returns: wait for that before the memory is
   * closed.
   */
  private static void awaitReleased(BufferAllocator memory) throws IOException {
    long deadline = System.nanoTime() + RELEASE_TIMEOUT_NANOS;
    while (memory.getAllocatedMemory() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while the Parquet writer released its memory", e);
      }
    }
  }

  private void writeRows(
      ProvenanceTable table, List<Object[]> rows, boolean dictionaryTypes, Path file)
      throws IOException {
    List<FieldVector> vectors = new ArrayList<>();
    DictionaryProvider.MapDictionaryProvider dictionaries =
        new DictionaryProvider.MapDictionaryProvider();
    try {
      List<ProvenanceTable.Column> columns = table.allColumns();
      for (int c = 0; c < columns.size(); c++) {
        ProvenanceTable.Column column = columns.get(c);
        Field field =
            column.kind() == ColumnKind.NODE_TYPE && !dictionaryTypes
                ? ColumnKind.URL.memoryField(column.name())
                : column.kind().memoryField(column.name());
        FieldVector vector = field.createVector(allocator);
        vectors.add(vector);
        vector.allocateNew();
        for (int r = 0; r < rows.size(); r++) {
          set(vector, r, rows.get(r)[c]);
        }
        vector.setValueCount(rows.size());
        if (field.getDictionary() != null) {
          dictionaries.put(typeDictionary(field));
        }
      }
      VectorSchemaRoot root = new VectorSchemaRoot(vectors);
      root.setRowCount(rows.size());
      writeParquet(allocator, root, dictionaries, file);
    } finally {
      for (FieldVector vector : vectors) {
        vector.close();
      }
      for (long id : dictionaries.getDictionaryIds()) {
        dictionaries.lookup(id).getVector().close();
      }
    }
  }

  private Dictionary typeDictionary(Field field) {
    VarCharVector tags = new VarCharVector("type", allocator);
    tags.allocateNew();
    for (ObjectType type : ObjectType.values()) {
      tags.setSafe(type.ordinal(), type.tag().getBytes(StandardCharsets.US_ASCII));
    }
    tags.setValueCount(ObjectType.values().length);
    return new Dictionary(tags, field.getDictionary());
  }

  private static void set(FieldVector vector, int row, Object value) {
    if (vector instanceof UInt8Vector ids) {
      ids.setSafe(row, (Long) value);
    } else if (vector instanceof TinyIntVector types) {
      types.setSafe(row, ((ObjectType) value).ordinal());
    } else if (vector instanceof FixedSizeBinaryVector hashes) {
      hashes.setSafe(row, (byte[]) value);
    } else if (vector instanceof TimeStampSecTZVector dates) {
      dates.setSafe(row, (Long) value);
    } else if (vector instanceof VarCharVector strings) {
      String text = value instanceof ObjectType type ? type.tag() : (String) value;
      strings.setSafe(row, text.getBytes(StandardCharsets.UTF_8));
    } else if (vector instanceof VarBinaryVector bytes) {
      bytes.setSafe(row, (byte[]) value);
    } else {
      throw new IllegalStateException("unexpected vector " + vector.getClass().getSimpleName());
    }
  }
}
