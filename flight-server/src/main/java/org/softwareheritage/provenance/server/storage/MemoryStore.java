package org.softwareheritage.provenance.server.storage;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;

/**
 * Regions in native memory, each in its own arena so that a build's temporary regions are released
 * as soon as they are deleted: the state {@code serve} builds at start when it has no index
 * directory. At most a given number of bytes are held at once (by default the JVM's direct-memory
 * limit, which native arenas do not count against otherwise), so a database too large for the
 * memory it was given fails to load with a message rather than getting the process killed.
 */
public final class MemoryStore extends RegionStore {
  private static final long ALIGNMENT = 64;

  private final Map<String, Arena> arenas = new HashMap<>();
  private final long limit;
  private long held;

  /**
   * A store of at most the JVM's direct-memory limit ({@code -XX:MaxDirectMemorySize}, by default
   * the heap's).
   */
  public MemoryStore() {
    this(directMemoryLimit());
  }

  /** A store of at most {@code limit} bytes. */
  public MemoryStore(long limit) {
    this.limit = limit;
  }

  private static long directMemoryLimit() {
    String option =
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
            .getVMOption("MaxDirectMemorySize")
            .getValue();
    long bytes = Long.parseLong(option);
    return bytes > 0 ? bytes : Runtime.getRuntime().maxMemory();
  }

  @Override
  public boolean isMapped() {
    return false;
  }

  @Override
  protected Region allocate(String name, long length) {
    if (held + length > limit) {
      throw new DatabaseLoadException(
          "out of memory for the database: "
              + name
              + " needs "
              + length
              + " more bytes"
              + " beyond the "
              + held
              + " held, over the "
              + limit
              + " allowed (-XX:MaxDirectMemorySize); give the"
              + " JVM more, or index the database and serve the index (index, then serve --index)");
    }
    Arena arena = Arena.ofShared();
    MemorySegment segment;
    try {
      segment = arena.allocate(Math.max(1, length), ALIGNMENT);
    } catch (OutOfMemoryError e) {
      arena.close();
      throw new DatabaseLoadException(
          "out of native memory for " + name + " (" + length + " bytes)", e);
    }
    held += length;
    arenas.put(name, arena);
    return new Region(name, segment.address(), length);
  }

  @Override
  protected Region reallocate(Region region, long length) {
    Arena old = arenas.remove(region.name());
    Region resized = allocate(region.name(), length);
    MemorySegment.copy(
        MemorySegment.ofAddress(region.address()).reinterpret(region.length()),
        0,
        MemorySegment.ofAddress(resized.address()).reinterpret(length),
        0,
        Math.min(region.length(), length));
    old.close();
    held -= region.length();
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
    held -= region.length();
  }

  @Override
  public String toString() {
    return "memory";
  }
}
