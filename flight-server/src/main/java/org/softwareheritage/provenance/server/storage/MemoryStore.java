package org.softwareheritage.provenance.server.storage;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * Regions in native memory, each in its own arena so that a build's temporary regions are
 * released as soon as they are deleted: the state {@code serve} builds at start when it has no
 * index directory. Counted against the JVM's direct-memory limit.
 */
public final class MemoryStore extends RegionStore {
  private static final long ALIGNMENT = 64;

  private final Map<String, Arena> arenas = new HashMap<>();

  @Override
  public boolean isMapped() {
    return false;
  }

  @Override
  protected Region allocate(String name, long length) {
    Arena arena = Arena.ofShared();
    MemorySegment segment;
    try {
      segment = arena.allocate(Math.max(1, length), ALIGNMENT);
    } catch (OutOfMemoryError e) {
      arena.close();
      throw new DatabaseLoadException("out of direct memory for " + name + " (" + length
          + " bytes): raise -XX:MaxDirectMemorySize or serve from an index directory (--index)", e);
    }
    arenas.put(name, arena);
    return new Region(name, segment.address(), length);
  }

  @Override
  protected Region reallocate(Region region, long length) {
    Arena old = arenas.remove(region.name());
    Region resized = allocate(region.name(), length);
    MemorySegment.copy(MemorySegment.ofAddress(region.address()).reinterpret(region.length()), 0,
        MemorySegment.ofAddress(resized.address()).reinterpret(length), 0, Math.min(region.length(), length));
    old.close();
    return resized;
  }

  @Override
  protected Region move(Region region, String name) {
    arenas.put(name, arenas.remove(region.name()));
    return new Region(name, region.address(), region.length());
  }

  @Override
  protected void release(Region region) {
    arenas.remove(region.name()).close();
  }

  @Override
  public String toString() {
    return "memory";
  }
}
