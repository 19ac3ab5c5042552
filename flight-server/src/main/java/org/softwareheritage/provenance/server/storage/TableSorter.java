package org.softwareheritage.provenance.server.storage;

import it.unimi.dsi.fastutil.BigArrays;
import java.util.List;
import org.apache.arrow.memory.util.MemoryUtil;

/**
 * Puts the rows of a freshly loaded table in its sort-key order. Files written by the upstream
 * tools are usually sorted already; that case costs one pass and no copy. Otherwise a permutation
 * of the rows (8 bytes per row, in the store) is sorted, and every column gathered through it.
 */
final class TableSorter {
  private TableSorter() {}

  /** Sorts the {@code rows} rows of {@code table} in {@code store} by the table's sort key. */
  static void sort(ProvenanceTable table, RegionStore store, long rows) {
    List<String> key = table.sortKey();
    long[] addresses = new long[key.size()];
    boolean[] unsigned = new boolean[key.size()];
    for (int k = 0; k < key.size(); k++) {
      String column = key.get(k);
      addresses[k] = store.region(StoredTable.regionName(table, column)).address();
      unsigned[k] =
          table.columns().stream()
              .anyMatch(c -> c.name().equals(column) && c.kind() == ColumnKind.NODE_ID);
    }
    RowOrder order =
        (a, b) -> {
          for (int k = 0; k < addresses.length; k++) {
            long x = MemoryUtil.getLong(addresses[k] + (a << 3));
            long y = MemoryUtil.getLong(addresses[k] + (b << 3));
            int c = unsigned[k] ? Long.compareUnsigned(x, y) : Long.compare(x, y);
            if (c != 0) {
              return c;
            }
          }
          return Long.compare(a, b);
        };
    if (isSorted(order, rows)) {
      return;
    }
    Region permutation = store.create("sorting." + table.directory(), rows << 3);
    long address = permutation.address();
    for (long row = 0; row < rows; row++) {
      MemoryUtil.putLong(address + (row << 3), row);
    }
    BigArrays.quickSort(
        0,
        rows,
        (a, b) ->
            order.compare(
                MemoryUtil.getLong(address + (a << 3)), MemoryUtil.getLong(address + (b << 3))),
        (a, b) -> {
          long x = MemoryUtil.getLong(address + (a << 3));
          MemoryUtil.putLong(address + (a << 3), MemoryUtil.getLong(address + (b << 3)));
          MemoryUtil.putLong(address + (b << 3), x);
        });
    for (ProvenanceTable.Column column : table.columns()) {
      String name = StoredTable.regionName(table, column.name());
      if (column.kind().width() > 0) {
        gatherFixed(store, name, column.kind().width(), address, rows);
      } else {
        gatherVariable(store, name, StoredTable.offsetsName(table, column.name()), address, rows);
      }
    }
    store.delete(permutation.name());
  }

  /** Compares two rows by the sort key, then by row number. */
  private interface RowOrder {
    int compare(long a, long b);
  }

  private static boolean isSorted(RowOrder order, long rows) {
    for (long i = 1; i < rows; i++) {
      if (order.compare(i - 1, i) > 0) {
        return false;
      }
    }
    return true;
  }

  private static void gatherFixed(
      RegionStore store, String name, int width, long permutation, long rows) {
    Region from = store.region(name);
    Region to = store.create(name + ".sorted", from.length());
    for (long i = 0; i < rows; i++) {
      MemoryUtil.copyMemory(
          from.at(MemoryUtil.getLong(permutation + (i << 3)) * width), to.at(i * width), width);
    }
    store.delete(name);
    store.rename(to.name(), name);
  }

  private static void gatherVariable(
      RegionStore store, String name, String offsetsName, long permutation, long rows) {
    Region from = store.region(name);
    Region fromOffsets = store.region(offsetsName);
    Region to = store.create(name + ".sorted", from.length());
    Region toOffsets = store.create(offsetsName + ".sorted", fromOffsets.length());
    long end = 0;
    for (long i = 0; i < rows; i++) {
      long row = MemoryUtil.getLong(permutation + (i << 3));
      long start = MemoryUtil.getLong(fromOffsets.at(row << 3));
      long length = MemoryUtil.getLong(fromOffsets.at((row + 1) << 3)) - start;
      MemoryUtil.copyMemory(from.at(start), to.at(end), length);
      end += length;
      MemoryUtil.putLong(toOffsets.at((i + 1) << 3), end);
    }
    store.delete(name);
    store.delete(offsetsName);
    store.rename(to.name(), name);
    store.rename(toOffsets.name(), offsetsName);
  }
}
