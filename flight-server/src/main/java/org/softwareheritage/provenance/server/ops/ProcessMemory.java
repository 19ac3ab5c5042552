package org.softwareheritage.provenance.server.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.softwareheritage.provenance.server.index.IndexedDatabase;

/**
 * The process's resident memory as Linux counts it ({@code /proc/self/status}): anonymous memory
 * (heap, native memory, an index built in memory), which a memory limit must hold, and file pages
 * (a mapped index), which the kernel can drop and read again.
 *
 * @param anonymousBytes {@code RssAnon}, or -1 where /proc is not available
 * @param fileBytes {@code RssFile}, or -1
 */
public record ProcessMemory(long anonymousBytes, long fileBytes) {
  /** The figures now. */
  public static ProcessMemory read() {
    long anonymous = -1;
    long file = -1;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("RssAnon:")) {
          anonymous = kibibytes(line);
        } else if (line.startsWith("RssFile:")) {
          file = kibibytes(line);
        }
      }
    } catch (IOException | RuntimeException e) {
      return new ProcessMemory(-1, -1);
    }
    return new ProcessMemory(anonymous, file);
  }

  private static long kibibytes(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
  }

  @Override
  public String toString() {
    return anonymousBytes < 0
        ? "resident memory unknown"
        : "resident: "
            + IndexedDatabase.bytes(anonymousBytes)
            + " anonymous, "
            + IndexedDatabase.bytes(fileBytes)
            + " of mapped files";
  }
}
