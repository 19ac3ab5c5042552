package org.softwareheritage.provenance.server.storage;

import java.util.List;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;

/**
 * One table of the database held in Arrow memory as a single contiguous batch, rows in the
 * table's {@link ProvenanceTable#sortKey() sort order}. Owns its vectors and dictionaries.
 */
public final class LoadedTable implements AutoCloseable {
  private final ProvenanceTable table;
  private final VectorSchemaRoot root;
  private final DictionaryProvider.MapDictionaryProvider dictionaries;
  private final int fileCount;

  LoadedTable(ProvenanceTable table, List<FieldVector> vectors,
      DictionaryProvider.MapDictionaryProvider dictionaries, int fileCount) {
    this.table = table;
    this.root = new VectorSchemaRoot(vectors);
    this.dictionaries = dictionaries;
    this.fileCount = fileCount;
  }

  public ProvenanceTable table() {
    return table;
  }

  /** The table's columns; read-only. */
  public VectorSchemaRoot root() {
    return root;
  }

  /** Dictionaries of dictionary-encoded columns (the nodes' {@code type}). */
  public DictionaryProvider dictionaries() {
    return dictionaries;
  }

  public int rowCount() {
    return root.getRowCount();
  }

  /** Number of Parquet files (or object-store prefixes) the table was read from. */
  public int fileCount() {
    return fileCount;
  }

  public FieldVector vector(String column) {
    FieldVector vector = root.getVector(column);
    if (vector == null) {
      throw new IllegalArgumentException("table " + table.directory() + " has no column " + column);
    }
    return vector;
  }

  /** Address of the data of a uint64 or timestamp column, for direct reads with {@link #u64(long, int)}. */
  public long u64Address(String column) {
    return ((BaseFixedWidthVector) vector(column)).getDataBufferAddress();
  }

  /** Row {@code row} of the uint64 (or timestamp) column whose data starts at {@code address}. */
  public static long u64(long address, int row) {
    return MemoryUtil.getLong(address + ((long) row << 3));
  }

  /** Bytes of Arrow memory held by the table's vectors. */
  public long sizeInBytes() {
    long bytes = 0;
    for (FieldVector vector : root.getFieldVectors()) {
      bytes += vector.getBufferSize();
    }
    return bytes;
  }

  @Override
  public void close() {
    try {
      AutoCloseables.close(root, dictionaries);
    } catch (Exception e) {
      throw new IllegalStateException("closing table " + table.directory(), e);
    }
  }
}
