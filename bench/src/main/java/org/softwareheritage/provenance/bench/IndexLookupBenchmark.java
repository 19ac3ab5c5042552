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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.softwareheritage.provenance.server.index.IndexedDatabase;
import org.softwareheritage.provenance.server.query.Provenance;
import org.softwareheritage.provenance.server.query.ProvenanceQueries;
import org.softwareheritage.provenance.server.query.ResultFields;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.storage.DatabaseLocation;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * In-process cost of the index lookups behind WhereIsOne, without gRPC: SWHID to node row (hash
 * probe), and the whole provenance query for random known contents, the hottest contents,
 * directories and unknown SWHIDs. The database and query lists come from the system properties
 * {@code bench.database} and {@code bench.queries}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IndexLookupBenchmark {
  private BufferAllocator allocator;
  private IndexedDatabase data;
  private ProvenanceQueries queries;
  private Swhid[] known;
  private Swhid[] hot;
  private Swhid[] directories;
  private Swhid[] unknown;
  private int next;

  @Setup(Level.Trial)
  public void load() throws IOException {
    Path queryDirectory = Path.of(System.getProperty("bench.queries"));
    allocator = ArrowMemory.newRootAllocator();
    data = IndexedDatabase.open(DatabaseLocation.of(Path.of(System.getProperty("bench.database"))), allocator);
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

  @Benchmark
  public int swhidToRow() {
    return data.index().nodes().row(pick(known));
  }

  @Benchmark
  public Provenance whereIsKnownContent() {
    return queries.whereIs(pick(known), ResultFields.ALL);
  }

  @Benchmark
  public Provenance whereIsHotContent() {
    return queries.whereIs(pick(hot), ResultFields.ALL);
  }

  @Benchmark
  public Provenance whereIsDirectory() {
    return queries.whereIs(pick(directories), ResultFields.ALL);
  }

  @Benchmark
  public Provenance whereIsUnknown() {
    return queries.whereIs(pick(unknown), ResultFields.ALL);
  }
}
