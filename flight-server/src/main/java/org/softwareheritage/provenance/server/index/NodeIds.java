package org.softwareheritage.provenance.server.index;

import static org.softwareheritage.provenance.server.index.OpenAddressing.mix;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.softwareheritage.provenance.server.storage.DatabaseLoadException;
import org.softwareheritage.provenance.server.storage.LoadedTable;
import org.softwareheritage.provenance.swhid.ObjectType;

/**
 * Node id → row of the nodes table (sorted by id), and the id and object type of each row.
 * Dense ids (the upstream graph numbers its nodes 0..N-1) map to rows by arithmetic; others
 * through an open-addressing hash table of row numbers in Arrow memory.
 */
public final class NodeIds implements AutoCloseable {
  private final int size;
  private final long idAddress;
  private final long typeAddress;
  private final long firstId;
  /** Id → row + 1 when the ids are not dense, else {@code null}. */
  private final ArrowBuf byId;
  // slots are read by address: ArrowBuf's checked accessors cost more than the probe itself
  private final long byIdAddress;
  private final long capacity;

  private NodeIds(LoadedTable nodes, ArrowBuf byId, long capacity) {
    this.size = nodes.rowCount();
    this.idAddress = nodes.u64Address("id");
    this.typeAddress = ((BaseFixedWidthVector) nodes.vector("type")).getDataBufferAddress();
    this.firstId = size == 0 ? 0 : id(0);
    this.byId = byId;
    this.byIdAddress = byId == null ? 0 : byId.memoryAddress();
    this.capacity = capacity;
  }

  /**
   * Indexes the ids of {@code nodes}.
   *
   * @throws DatabaseLoadException if two rows share an id
   */
  public static NodeIds build(LoadedTable nodes, BufferAllocator allocator) {
    if (hasDenseIds(nodes)) {
      return new NodeIds(nodes, null, 0);
    }
    long capacity = OpenAddressing.capacity(nodes.rowCount());
    ArrowBuf byId = allocator.buffer(capacity * Integer.BYTES);
    try {
      byId.setZero(0, byId.capacity());
      NodeIds ids = new NodeIds(nodes, byId, capacity);
      for (int row = 0; row < ids.size; row++) {
        ids.insert(row);
      }
      return ids;
    } catch (RuntimeException e) {
      byId.close();
      throw e;
    }
  }

  /** Whether the id of each row is the first row's id plus the row number. */
  private static boolean hasDenseIds(LoadedTable nodes) {
    long ids = nodes.u64Address("id");
    long first = nodes.rowCount() == 0 ? 0 : LoadedTable.u64(ids, 0);
    for (int row = 1; row < nodes.rowCount(); row++) {
      if (LoadedTable.u64(ids, row) != first + row) {
        return false;
      }
    }
    return true;
  }

  private void insert(int row) {
    long id = id(row);
    long slot = OpenAddressing.slot(mix(id), capacity);
    for (int other; (other = MemoryUtil.getInt(byIdAddress + (slot << 2)) - 1) >= 0;
        slot = OpenAddressing.next(slot, capacity)) {
      if (id(other) == id) {
        throw new DatabaseLoadException("table nodes, column id: duplicate node id " + Long.toUnsignedString(id));
      }
    }
    MemoryUtil.putInt(byIdAddress + (slot << 2), row + 1);
  }

  /** Number of nodes. */
  public int size() {
    return size;
  }

  /** The row of the node whose id is {@code id}, or -1 if there is none. */
  public int row(long id) {
    if (byId == null) {
      long offset = id - firstId;
      return Long.compareUnsigned(offset, size) < 0 ? (int) offset : -1;
    }
    for (long slot = OpenAddressing.slot(mix(id), capacity); ; slot = OpenAddressing.next(slot, capacity)) {
      int row = MemoryUtil.getInt(byIdAddress + (slot << 2)) - 1;
      if (row < 0 || id(row) == id) {
        return row;
      }
    }
  }

  /** The node id of {@code row}. */
  public long id(int row) {
    return LoadedTable.u64(idAddress, row);
  }

  /** The object type of {@code row}. */
  public ObjectType type(int row) {
    return ObjectType.fromOrdinal(typeOrdinal(row));
  }

  /** The {@link ObjectType} ordinal of {@code row}. */
  int typeOrdinal(int row) {
    return MemoryUtil.getByte(typeAddress + row);
  }

  /** Bytes of Arrow memory held by the id table (none for dense ids). */
  public long sizeInBytes() {
    return byId == null ? 0 : byId.capacity();
  }

  @Override
  public void close() {
    if (byId != null) {
      byId.close();
    }
  }
}
