package org.softwareheritage.provenance.server.storage;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.netty.NettyAllocationManager;

/** The service's Arrow memory: one root allocator backed by Netty's allocator. */
public final class ArrowMemory {
  private ArrowMemory() {}

  /** A new root allocator with no limit beyond the JVM's direct-memory limit. */
  public static BufferAllocator newRootAllocator() {
    return new RootAllocator(
        RootAllocator.configBuilder()
            .allocationManagerFactory(NettyAllocationManager.FACTORY)
            .build());
  }
}
