package org.softwareheritage.provenance.server.storage;

import java.lang.foreign.MemorySegment;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a database's serving state is made of: named {@link Region regions} of bytes (sorted columns
 * and indices) and named numbers (row counts, index parameters). The index builder writes them; the
 * servers read them. {@link MemoryStore} keeps them in native memory, {@link IndexDirectory} in
 * memory-mapped files. Closing the store releases every region.
 */
public abstract class RegionStore implements AutoCloseable {
  private final Map<String, Region> regions = new LinkedHashMap<>();
  private final Map<String, Long> numbers = new TreeMap<>();

  /** A new zero-filled region of {@code length} bytes named {@code name}. */
  public final synchronized Region create(String name, long length) {
    if (regions.containsKey(name)) {
      throw new IllegalStateException("region " + name + " exists");
    }
    Region region = allocate(name, length);
    regions.put(name, region);
    return region;
  }

  /** {@code region} with a new length, its first bytes kept (new bytes are zero); it may move. */
  public final synchronized Region resize(Region region, long length) {
    Region resized = reallocate(region, length);
    regions.put(region.name(), resized);
    return resized;
  }

  /** Releases the region named {@code name} (a temporary one of a build). */
  public final synchronized void delete(String name) {
    Region region = regions.remove(name);
    if (region == null) {
      throw new IllegalStateException("no region " + name);
    }
    release(region);
  }

  /** Gives the region named {@code from} the name {@code to} (which must be free). */
  public final synchronized Region rename(String from, String to) {
    Region region = regions.remove(from);
    if (region == null || regions.containsKey(to)) {
      throw new IllegalStateException("cannot rename region " + from + " to " + to);
    }
    Region renamed = move(region, to);
    regions.put(to, renamed);
    return renamed;
  }

  /**
   * The region named {@code name}.
   *
   * @throws DatabaseLoadException if there is none (a damaged or foreign index)
   */
  public final synchronized Region region(String name) {
    Region region = regions.get(name);
    if (region == null) {
      throw new DatabaseLoadException(this + ": no region " + name);
    }
    return region;
  }

  public final synchronized boolean has(String name) {
    return regions.containsKey(name);
  }

  /** Every region, in creation order. */
  public final synchronized Collection<Region> regions() {
    return Collections.unmodifiableCollection(regions.values());
  }

  public final synchronized void set(String key, long value) {
    numbers.put(key, value);
  }

  /**
   * The number named {@code key}.
   *
   * @throws DatabaseLoadException if there is none (a damaged or foreign index)
   */
  public final synchronized long number(String key) {
    Long value = numbers.get(key);
    if (value == null) {
      throw new DatabaseLoadException(this + ": no value " + key);
    }
    return value;
  }

  /** Every number, by name. */
  public final synchronized Map<String, Long> numbers() {
    return Collections.unmodifiableMap(numbers);
  }

  /** Bytes of every region. */
  public final synchronized long sizeInBytes() {
    return regions.values().stream().mapToLong(Region::length).sum();
  }

  /**
   * Copies {@code length} bytes from native memory at {@code source} to byte {@code offset} of
   * {@code region}.
   */
  public void write(Region region, long offset, long source, long length) {
    MemorySegment.copy(
        MemorySegment.ofAddress(source).reinterpret(length),
        0,
        MemorySegment.ofAddress(region.at(offset)).reinterpret(length),
        0,
        length);
  }

  /**
   * Starts saving the regions made so far in the background (a build's loaded tables, while the
   * indices are computed), so that finishing the build has less left to wait for.
   */
  public void saveInBackground() {}

  /**
   * Whether the regions are mapped from files (their pages in the OS page cache), not native
   * memory.
   */
  public abstract boolean isMapped();

  /** Advises the kernel that [address, address + length) of a region will be read soon. */
  public void willNeed(long address, long length) {}

  /** Regions as read at open, for subclasses that map existing files. */
  protected final synchronized void add(Region region) {
    regions.put(region.name(), region);
  }

  protected final synchronized void setAll(Map<String, Long> values) {
    numbers.putAll(values);
  }

  protected abstract Region allocate(String name, long length);

  protected abstract Region reallocate(Region region, long length);

  protected abstract Region move(Region region, String name);

  protected abstract void release(Region region);

  /** Releases every region. */
  @Override
  public synchronized void close() {
    for (Region region : regions.values()) {
      release(region);
    }
    regions.clear();
  }
}
