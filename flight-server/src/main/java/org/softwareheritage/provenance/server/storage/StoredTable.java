package org.softwareheritage.provenance.server.storage;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * One table of the database as stored for serving: its lookup columns, rows in the table's {@link
 * ProvenanceTable#sortKey() sort order}, each column a {@link Region} of little-endian values (8
 * bytes per id or date, 20 per sha1_git, 1 per node type) and, for URLs, a region of 8-byte offsets
 * beside the bytes; a column of consecutive ids is computed instead of stored. Row numbers are
 * 64-bit.
 */
public final class StoredTable {
  private final ProvenanceTable table;
  private final long rows;
  private final RegionStore store;

  private StoredTable(ProvenanceTable table, long rows, RegionStore store) {
    this.table = table;
    this.rows = rows;
    this.store = store;
  }

  /** The stored {@code table} of {@code store}. */
  public static StoredTable open(ProvenanceTable table, RegionStore store) {
    StoredTable stored = new StoredTable(table, store.number(rowsKey(table)), store);
    for (ProvenanceTable.Column column : table.columns()) {
      if (stored.isComputed(column.name())) {
        continue;
      }
      long bytes = stored.column(column.name()).length();
      if (column.kind().width() > 0 && bytes != stored.rows * column.kind().width()
          || column.kind().width() == 0
              && stored.offsets(column.name()).length() != (stored.rows + 1) * Long.BYTES) {
        throw new DatabaseLoadException(
            store
                + ": "
                + regionName(table, column.name())
                + " does not hold "
                + stored.rows
                + " rows");
      }
    }
    return stored;
  }

  /** The name of the region of {@code column} of {@code table}. */
  static String regionName(ProvenanceTable table, String column) {
    return table.directory() + "." + column;
  }

  /** The name of the region of the offsets of variable-width {@code column}. */
  static String offsetsName(ProvenanceTable table, String column) {
    return regionName(table, column) + ".offsets";
  }

  static String rowsKey(ProvenanceTable table) {
    return "tables." + table.directory() + ".rows";
  }

  static String filesKey(ProvenanceTable table) {
    return "tables." + table.directory() + ".files";
  }

  private static String firstKey(ProvenanceTable table, String column) {
    return "tables." + table.directory() + "." + column + ".first";
  }

  /**
   * Stops storing {@code column}, whose values are {@code first}, {@code first + 1}, … (the caller
   * checked): they are computed from then on.
   */
  public void computeConsecutive(String column, long first) {
    store.delete(regionName(table, checked(column)));
    store.set(firstKey(table, column), first);
  }

  /** Whether {@code column} is computed rather than stored (see {@link #computeConsecutive}). */
  public boolean isComputed(String column) {
    return !store.has(regionName(table, checked(column)))
        && store.numbers().containsKey(firstKey(table, column));
  }

  public ProvenanceTable table() {
    return table;
  }

  public long rowCount() {
    return rows;
  }

  /** The values of {@code column} (for a variable-width column, its bytes). */
  public Region column(String column) {
    return store.region(regionName(table, checked(column)));
  }

  /** The {@code rows + 1} 8-byte offsets of variable-width {@code column} into its bytes. */
  public Region offsets(String column) {
    return store.region(offsetsName(table, checked(column)));
  }

  /** The store holding the columns (for read-ahead advice). */
  public RegionStore store() {
    return store;
  }

  /** Address of the values of a stored uint64 or timestamp column, for {@link #u64(long, long)}. */
  public long u64Address(String column) {
    return column(column).address();
  }

  /** The values of a uint64 or timestamp column, stored or computed. */
  public LongColumn longs(String column) {
    return isComputed(column)
        ? LongColumn.consecutive(store.number(firstKey(table, column)))
        : LongColumn.stored(column(column));
  }

  /** Row {@code row} of the uint64 (or timestamp) column whose values start at {@code address}. */
  public static long u64(long address, long row) {
    return MemoryUtil.getLong(address + (row << 3));
  }

  /** The Arrow field of {@code column}, as Flight serves it. */
  public Field field(String column) {
    return kind(column).memoryField(column);
  }

  public ColumnKind kind(String column) {
    return table.columns().stream()
        .filter(c -> c.name().equals(column))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "table " + table.directory() + " has no column " + column))
        .kind();
  }

  /** The names of the stored columns, in order. */
  public List<String> columnNames() {
    return table.columns().stream().map(ProvenanceTable.Column::name).toList();
  }

  /**
   * The schema of {@code columns}, as vectors hold them (a dictionary-encoded column as its
   * indices).
   */
  public Schema schema(List<String> columns) {
    List<Field> fields = new ArrayList<>();
    for (String column : columns) {
      fields.add(field(column));
    }
    return new Schema(fields);
  }

  /**
   * The schema of {@code columns} as Arrow IPC messages describe it, for Flight's schema answers: a
   * dictionary-encoded column has the type of its values (the node type's strings).
   */
  public Schema messageSchema(List<String> columns) {
    List<Field> fields = new ArrayList<>();
    for (String column : columns) {
      Field field = field(column);
      fields.add(
          field.getDictionary() == null
              ? field
              : new Field(
                  column,
                  new FieldType(false, ArrowType.Utf8.INSTANCE, field.getDictionary()),
                  List.of()));
    }
    return new Schema(fields);
  }

  /** Bytes of the stored columns. */
  public long sizeInBytes() {
    long bytes = 0;
    for (ProvenanceTable.Column column : table.columns()) {
      if (!isComputed(column.name())) {
        bytes +=
            column(column.name()).length()
                + (column.kind().width() == 0 ? offsets(column.name()).length() : 0);
      }
    }
    return bytes;
  }

  private String checked(String column) {
    kind(column);
    return column;
  }
}
