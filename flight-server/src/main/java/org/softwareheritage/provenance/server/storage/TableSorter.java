package org.softwareheritage.provenance.server.storage;

import it.unimi.dsi.fastutil.ints.IntArrays;
import it.unimi.dsi.fastutil.ints.IntComparator;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.FieldVector;

/**
 * Puts the rows of a freshly loaded table in its sort-key order. Files written by the upstream
 * tools are usually sorted already; that case costs one pass and no copy.
 */
final class TableSorter {
  private TableSorter() {}

  /** Returns {@code vectors} sorted by {@code table}'s sort key; replaced vectors are closed. */
  static List<FieldVector> sort(ProvenanceTable table, List<ProvenanceTable.Column> columns,
      List<FieldVector> vectors, BufferAllocator allocator) {
    List<String> key = table.sortKey();
    int rows = vectors.isEmpty() ? 0 : vectors.get(0).getValueCount();
    if (rows < 2) {
      return vectors;
    }
    long[] addresses = new long[key.size()];
    boolean[] unsigned = new boolean[key.size()];
    for (int k = 0; k < key.size(); k++) {
      int index = indexOf(columns, key.get(k));
      addresses[k] = ((BaseFixedWidthVector) vectors.get(index)).getDataBufferAddress();
      unsigned[k] = columns.get(index).kind() == ColumnKind.NODE_ID;
    }
    IntComparator order = (a, b) -> {
      for (int k = 0; k < addresses.length; k++) {
        long x = MemoryUtil.getLong(addresses[k] + ((long) a << 3));
        long y = MemoryUtil.getLong(addresses[k] + ((long) b << 3));
        int c = unsigned[k] ? Long.compareUnsigned(x, y) : Long.compare(x, y);
        if (c != 0) {
          return c;
        }
      }
      return Integer.compare(a, b);
    };
    if (isSorted(order, rows)) {
      return vectors;
    }
    int[] permutation = new int[rows];
    for (int i = 0; i < rows; i++) {
      permutation[i] = i;
    }
    IntArrays.parallelQuickSort(permutation, order);
    List<FieldVector> sorted = new ArrayList<>(vectors.size());
    try {
      for (FieldVector vector : vectors) {
        sorted.add(gather(vector, permutation, allocator));
      }
      AutoCloseables.close(vectors);
    } catch (Exception e) {
      try {
        AutoCloseables.close(sorted);
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new IllegalStateException("sorting table " + table.directory(), e);
    }
    return sorted;
  }

  private static boolean isSorted(IntComparator order, int rows) {
    for (int i = 1; i < rows; i++) {
      if (order.compare(i - 1, i) > 0) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(List<ProvenanceTable.Column> columns, String name) {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException("sort column " + name + " is not loaded");
  }

  private static FieldVector gather(FieldVector vector, int[] permutation, BufferAllocator allocator) {
    int rows = permutation.length;
    FieldVector target = vector.getField().createVector(allocator);
    try {
      if (vector instanceof BaseFixedWidthVector from) {
        BaseFixedWidthVector to = (BaseFixedWidthVector) target;
        to.allocateNew(rows);
        long width = from.getTypeWidth();
        long source = from.getDataBufferAddress();
        long destination = to.getDataBufferAddress();
        for (int i = 0; i < rows; i++) {
          MemoryUtil.copyMemory(source + permutation[i] * width, destination + i * width, width);
        }
      } else {
        BaseVariableWidthVector from = (BaseVariableWidthVector) vector;
        BaseVariableWidthVector to = (BaseVariableWidthVector) target;
        to.allocateNew(from.getStartOffset(rows), rows);
        ArrowBuf offsets = to.getOffsetBuffer();
        long source = from.getDataBuffer().memoryAddress();
        long destination = to.getDataBuffer().memoryAddress();
        int end = 0;
        for (int i = 0; i < rows; i++) {
          int start = from.getStartOffset(permutation[i]);
          int length = from.getEndOffset(permutation[i]) - start;
          MemoryUtil.copyMemory(source + start, destination + end, length);
          end += length;
          offsets.setInt((long) (i + 1) * BaseVariableWidthVector.OFFSET_WIDTH, end);
        }
        to.setLastSet(rows - 1);
      }
      ArrowBuf validity = target.getValidityBuffer();
      validity.setOne(0, validity.capacity());
      target.setValueCount(rows);
      return target;
    } catch (RuntimeException e) {
      target.close();
      throw e;
    }
  }
}
