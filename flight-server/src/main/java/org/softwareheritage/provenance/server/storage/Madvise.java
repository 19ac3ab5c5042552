package org.softwareheritage.provenance.server.storage;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The kernel's paging advice for mapped index files (libc {@code madvise}, called through the
 * Foreign Function API). Lookups read mapped pages at random: without advice, every page fault
 * reads a window of pages around it, which under a memory limit evicts pages still in use (a cold
 * lookup then costs milliseconds instead of one disk read).
 */
final class Madvise {
  private static final int MADV_RANDOM = 1;
  private static final int MADV_WILLNEED = 3;
  private static final long PAGE = 4096;
  private static final MethodHandle MADVISE =
      Linker.nativeLinker()
          .downcallHandle(
              Linker.nativeLinker().defaultLookup().find("madvise").orElseThrow(),
              FunctionDescriptor.of(
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_LONG,
                  ValueLayout.JAVA_LONG,
                  ValueLayout.JAVA_INT));

  private Madvise() {}

  /** Pages of {@code segment} are read at random: fault in one page at a time. */
  static void random(MemorySegment segment) {
    advise(segment.address(), segment.byteSize(), MADV_RANDOM);
  }

  /** Bytes [address, address + length) will be read soon: start reading them from disk now. */
  static void willNeed(long address, long length) {
    advise(address, length, MADV_WILLNEED);
  }

  private static void advise(long address, long length, int advice) {
    if (length <= 0) {
      return;
    }
    long start = address & -PAGE;
    try {
      // advice only: a failure (e.g. memory that is not a mapping) changes no answer
      int ignored = (int) MADVISE.invokeExact(start, address + length - start, advice);
    } catch (Throwable e) {
      throw new IllegalStateException("madvise failed", e);
    }
  }
}
