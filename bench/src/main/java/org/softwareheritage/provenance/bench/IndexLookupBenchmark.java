package org.softwareheritage.provenance.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.softwareheritage.provenance.server.index.IndexedDatabase;
import org.softwareheritage.provenance.server.query.LookupBatch;
import org.softwareheritage.provenance.server.query.ProvenanceQueries;
import org.softwareheritage.provenance.server.query.ResultFields;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.storage.DatabaseIdentity;
import org.softwareheritage.provenance.server.storage.DatabaseLocation;
import org.softwareheritage.provenance.server.storage.IndexDirectory;
import org.softwareheritage.provenance.server.storage.MemoryStore;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * In-process cost of the index lookups behind WhereIsOne, without gRPC: SWHID to node row, and the
 * whole provenance lookup for random known contents, the hottest contents, directories and unknown
 * SWHIDs; in both modes ({@code store}): the index built in native memory, or the index directory
 * memory-mapped (warm: the warm-up iterations fault in the pages the lookups read). The database,
 * its index directory and the query lists come from the system properties {@code bench.database},
 * {@code bench.index} and {@code bench.queries}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IndexLookupBenchmark {
  @Param({"memory", "mapped"})
  private String store;

  private BufferAllocator allocator;
  private IndexedDatabase data;
  private ProvenanceQueries queries;
  private final LookupBatch batch = new LookupBatch(1);
  private Swhid[] known;
  private Swhid[] hot;
  private Swhid[] directories;
  private Swhid[] unknown;
  private int next;

  @Setup(Level.Trial)
  public void open() throws IOException {
    Path queryDirectory = Path.of(System.getProperty("bench.queries"));
    DatabaseLocation location = DatabaseLocation.of(Path.of(System.getProperty("bench.database")));
    allocator = ArrowMemory.newRootAllocator();
    data =
        switch (store) {
          case "memory" -> IndexedDatabase.build(location, allocator, new MemoryStore());
          case "mapped" ->
              IndexedDatabase.open(
                  IndexDirectory.open(
                      Path.of(System.getProperty("bench.index")), DatabaseIdentity.of(location)));
          default -> throw new IllegalArgumentException("store " + store + ": memory or mapped");
        };
    queries = new ProvenanceQueries(data.index());
    known = swhids(queryDirectory.resolve("known.txt"));
    hot = swhids(queryDirectory.resolve("hot.txt"));
    directories = swhids(queryDirectory.resolve("directories.txt"));
    unknown = swhids(queryDirectory.resolve("unknown.txt"));
  }

  @TearDown(Level.Trial)
  public void close() {
    data.close();
    allocator.close();
  }

  private static Swhid[] swhids(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    return lines.stream().map(Swhid::parse).toArray(Swhid[]::new);
  }

  private Swhid pick(Swhid[] swhids) {
    next = (next + 1) & Integer.MAX_VALUE;
    return swhids[next % swhids.length];
  }

  private LookupBatch whereIs(Swhid swhid) {
    queries.lookUp(
        new byte[] {(byte) swhid.type().ordinal()}, swhid.hash(), 0, 1, ResultFields.ALL, batch);
    return batch;
  }

  @Benchmark
  public long swhidToRow() {
    return data.index().nodes().row(pick(known));
  }

  @Benchmark
  public LookupBatch whereIsKnownContent() {
    return whereIs(pick(known));
  }

  @Benchmark
  public LookupBatch whereIsHotContent() {
    return whereIs(pick(hot));
  }

  @Benchmark
  public LookupBatch whereIsDirectory() {
    return whereIs(pick(directories));
  }

  @Benchmark
  public LookupBatch whereIsUnknown() {
    return whereIs(pick(unknown));
  }
}
