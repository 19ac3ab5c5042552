package org.softwareheritage.provenance.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Page faults and disk reads of a process on this machine, from {@code /proc/PID/stat} and {@code
 * /proc/PID/io}: how many pages a phase of the benchmark made the server fault in, and how many
 * bytes the kernel read from disk for them.
 */
record ProcessCounters(long majorFaults, long minorFaults, long readBytes) {
  static ProcessCounters of(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    // the fields after the command name, which is in parentheses and may hold spaces
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long readBytes = -1;
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
      if (line.startsWith("read_bytes:")) {
        readBytes = Long.parseLong(line.substring("read_bytes:".length()).trim());
      }
    }
    return new ProcessCounters(Long.parseLong(fields[9]), Long.parseLong(fields[7]), readBytes);
  }

  ProcessCounters minus(ProcessCounters before) {
    return new ProcessCounters(
        majorFaults - before.majorFaults,
        minorFaults - before.minorFaults,
        readBytes - before.readBytes);
  }
}
