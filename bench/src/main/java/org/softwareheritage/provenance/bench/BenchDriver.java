package org.softwareheritage.provenance.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc.ProvenanceServiceBlockingStub;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The Java side of bench/run.sh: measures running servers with real clients on loopback and writes
 * the figures as JSON. Given several servers (the in-memory and the mapped mode), every phase
 * measures them alternately (blocks of calls, or whole calls, taking turns, each in turn first), so
 * that both see the same state of a shared machine. SWHID lists come from the query directory that
 * run.sh prepares: {@code known.txt}, {@code hot.txt}, {@code directories.txt}, {@code
 * unknown.txt}, {@code bulk.txt}, {@code cold.txt}. Three phases run only when asked: {@code
 * answers} writes each server's answers (to compare them), {@code doget-all} reads every table
 * once, and {@code cold} measures lookups of pages a new server has not read yet (run.sh evicts the
 * index files from the page cache and starts the server first).
 */
@Command(
    name = "bench-driver",
    mixinStandardHelpOptions = true,
    description =
        "Measure running provenance servers over gRPC and Arrow Flight; write the figures as JSON.")
public final class BenchDriver implements Callable<Integer> {
  private static final int[] BULK_SIZES = {100_000, 1_000_000};
  private static final List<String> KINDS = List.of("known", "hot", "directories", "unknown");

  /** WhereIsOne calls measured on one server before the next server's turn. */
  private static final int BLOCK_CALLS = 500;

  /**
   * Unmeasured calls before the measured ones of Flight: the first calls of a fresh JVM client run
   * its Flight and gRPC paths interpreted (its second read of a table took 1.3-2× as long as its
   * fourth at scale 10).
   */
  private static final int WARM_UP_CALLS = 3;

  /**
   * Calls through the channel of the cold phase before its measured calls, which measure pages read
   * from disk, not a new connection.
   */
  private static final int COLD_CHANNEL_WARM_UP = 500;

  /**
   * Measured Flight calls per server; the median is reported, robust to other work on the machine.
   */
  private static final int MEASURED_CALLS = 3;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Server host (default: ${DEFAULT-VALUE}).")
  private String host;

  @Option(
      names = "--server",
      paramLabel = "NAME=PORT",
      description =
          "A server to measure, by the name its figures get in the JSON; repeat to measure several"
              + " alternately.")
  private Map<String, Integer> servers = new LinkedHashMap<>();

  @Option(names = "--queries", required = true, description = "Directory of SWHID lists.")
  private Path queries;

  @Option(names = "--out", required = true, description = "JSON file to write.")
  private Path out;

  @Option(
      names = "--table",
      description = "Table to read whole with DoGet (default: the largest listed).")
  private String table;

  @Option(
      names = "--phases",
      split = ",",
      defaultValue = "tcp,latency,throughput,grpc-bulk,grpc-floor,flight-bulk,doget",
      description = "Phases to run (default: ${DEFAULT-VALUE}; also answers, doget-all, cold).")
  private Set<String> phases;

  @Option(
      names = "--answers-dir",
      description =
          "Directory where the answers phase writes answers-NAME.txt per server: "
              + "one line per SWHID of every list but bulk.txt.")
  private Path answersDirectory;

  @Option(
      names = "--server-pid",
      description =
          "The server's process id, to count its page faults and disk reads in the cold phase.")
  private Long serverPid;

  @Option(
      names = "--calls",
      defaultValue = "20000",
      description = "Measured WhereIsOne calls per kind of SWHID and server.")
  private int calls;

  @Option(
      names = "--seconds",
      defaultValue = "5",
      description = "Duration of each throughput run and warm-up.")
  private double seconds;

  @Option(
      names = "--cold-warm-up",
      defaultValue = "20",
      description =
          "Seconds of calls on every kind of SWHID before the cold phase (default:"
              + " ${DEFAULT-VALUE}).")
  private double coldWarmUp;

  @Option(
      names = "--cold-evict",
      description =
          "Command evicting the server's index from memory after the cold"
              + " phase's warm-up (run by sh -c; it must exit 0).")
  private String coldEvict;

  /** A server under measurement: its clients and the JSON object of its figures. */
  private record Target(String name, GrpcBench grpc, FlightBench flight, ObjectNode figures) {}

  public static void main(String[] args) {
    // a later --calls or --seconds overrides run.sh's defaults (e.g. a shorter warm-up run)
    System.exit(
        new CommandLine(new BenchDriver()).setOverwrittenOptionsAllowed(true).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode figures = json.createObjectNode();
    if (phases.contains("tcp")) {
      figures.put("loopback_tcp_bytes_per_s", LoopbackTcp.bytesPerSecond(Math.min(seconds, 3)));
      log(
          "loopback TCP: "
              + Math.round(figures.get("loopback_tcp_bytes_per_s").asDouble() / 1e6)
              + " MB/s");
    }
    if (phases.contains("grpc-floor")) {
      figures.set("grpc_floor", grpcFloor(json));
    }
    ObjectNode perServer = figures.putObject("servers");
    List<Target> targets = new ArrayList<>();
    try {
      servers.forEach(
          (name, port) ->
              targets.add(
                  new Target(
                      name,
                      new GrpcBench(host, port),
                      new FlightBench(host, port),
                      perServer.putObject(name))));
      if (phases.contains("latency")) {
        latency(targets);
      }
      if (phases.contains("throughput")) {
        throughput(targets);
      }
      if (phases.contains("grpc-bulk")) {
        whereAreOne(targets);
      }
      if (phases.contains("flight-bulk")) {
        flightBulk(targets);
      }
      if (phases.contains("doget")) {
        doGet(targets);
      }
      if (phases.contains("doget-all")) {
        doGetAll(targets);
      }
      if (phases.contains("answers")) {
        answers(targets);
      }
      if (phases.contains("cold")) {
        if (targets.size() != 1) {
          throw new IllegalArgumentException("the cold phase measures one server");
        }
        cold(targets.get(0));
      }
    } finally {
      for (Target target : targets) {
        target.grpc().close();
        target.flight().close();
      }
    }
    json.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), figures);
    return 0;
  }

  /**
   * {@code targets} starting from the {@code turn}-th one (modulo their number): who goes first
   * alternates.
   */
  private static List<Target> inTurn(List<Target> targets, int turn) {
    List<Target> order = new ArrayList<>();
    for (int i = 0; i < targets.size(); i++) {
      order.add(targets.get((turn + i) % targets.size()));
    }
    return order;
  }

  /** The object {@code name} of {@code parent}, created if missing. */
  private static ObjectNode child(ObjectNode parent, String name) {
    return parent.has(name) ? (ObjectNode) parent.get(name) : parent.putObject(name);
  }

  private List<String> mixed() throws java.io.IOException {
    List<String> mixed = new ArrayList<>();
    for (String kind : KINDS) {
      mixed.addAll(lines(kind + ".txt"));
    }
    return mixed;
  }

  /**
   * WhereIsOne latency per kind of SWHID: after {@link #warmUp}, each server gets {@code calls / 2}
   * unmeasured calls, then {@link #calls} measured ones in blocks of {@value #BLOCK_CALLS}, the
   * servers taking turns.
   */
  private void latency(List<Target> targets) throws Exception {
    List<String> mixed = mixed();
    for (Target target : targets) {
      warmUp(target, mixed);
    }
    for (String kind : KINDS) {
      List<String> swhids = lines(kind + ".txt");
      List<ProvenanceServiceBlockingStub> clients = new ArrayList<>();
      List<long[]> nanos = new ArrayList<>();
      for (Target target : targets) {
        ProvenanceServiceBlockingStub client = target.grpc().newClient();
        GrpcBench.timeCalls(client, swhids, 0, calls / 2, new long[calls / 2], 0);
        clients.add(client);
        nanos.add(new long[calls]);
      }
      for (int done = 0, block = 0; done < calls; done += BLOCK_CALLS, block++) {
        for (Target target : inTurn(targets, block)) {
          int t = targets.indexOf(target);
          GrpcBench.timeCalls(
              clients.get(t),
              swhids,
              done,
              Math.min(BLOCK_CALLS, calls - done),
              nanos.get(t),
              done);
        }
      }
      for (int t = 0; t < targets.size(); t++) {
        Latency measured = Latency.of(nanos.get(t));
        ObjectNode node =
            child(targets.get(t).figures(), "where_is_one_latency_us").putObject(kind);
        node.put("calls", measured.calls());
        node.put("p50", measured.p50Micros());
        node.put("p99", measured.p99Micros());
        node.put("max", measured.maxMicros());
        log(targets.get(t).name() + ": WhereIsOne " + kind + ": " + measured);
      }
    }
  }

  private void throughput(List<Target> targets) throws Exception {
    List<String> known = lines("known.txt");
    for (int clients : new int[] {1, 8}) {
      for (Target target : inTurn(targets, clients)) {
        double rate = target.grpc().whereIsOneCallsPerSecond(known, clients, seconds);
        child(target.figures(), "where_is_one_calls_per_s").put(Integer.toString(clients), rate);
        log(
            target.name()
                + ": WhereIsOne "
                + clients
                + " clients: "
                + Math.round(rate)
                + " calls/s");
      }
    }
  }

  private void whereAreOne(List<Target> targets) throws Exception {
    List<String> bulk = lines("bulk.txt");
    for (int s = 0; s < BULK_SIZES.length; s++) {
      int size = BULK_SIZES[s];
      for (Target target : targets) {
        target.grpc().whereAreOneSwhidsPerSecond(bulk.subList(0, Math.min(10_000, size)));
      }
      for (Target target : inTurn(targets, s)) {
        double rate = target.grpc().whereAreOneSwhidsPerSecond(bulk.subList(0, size));
        child(target.figures(), "where_are_one_swhids_per_s").put(Integer.toString(size), rate);
        log(target.name() + ": WhereAreOne " + size + ": " + Math.round(rate) + " SWHIDs/s");
      }
    }
  }

  /**
   * Flight bulk provenance by DoExchange: per size, the median of {@value #MEASURED_CALLS} calls
   * per server, taking turns.
   */
  private void flightBulk(List<Target> targets) throws Exception {
    List<String> bulk = lines("bulk.txt");
    for (int size : BULK_SIZES) {
      List<String> request = bulk.subList(0, size);
      for (Target target : targets) {
        for (int i = 0; i < WARM_UP_CALLS; i++) {
          target.flight().bulkProvenanceSwhidsPerSecond(bulk.subList(0, Math.min(100_000, size)));
        }
      }
      List<List<Double>> rates = new ArrayList<>();
      targets.forEach(target -> rates.add(new ArrayList<>()));
      for (int turn = 0; turn < MEASURED_CALLS; turn++) {
        for (Target target : inTurn(targets, turn)) {
          rates
              .get(targets.indexOf(target))
              .add(target.flight().bulkProvenanceSwhidsPerSecond(request));
        }
      }
      for (int t = 0; t < targets.size(); t++) {
        double rate = rates.get(t).stream().sorted().toList().get(MEASURED_CALLS / 2);
        child(targets.get(t).figures(), "flight_bulk_swhids_per_s")
            .put(Integer.toString(size), rate);
        log(
            targets.get(t).name()
                + ": Flight bulk provenance "
                + size
                + ": "
                + Math.round(rate)
                + " SWHIDs/s "
                + rates.get(t));
      }
    }
  }

  /**
   * Whole-table DoGet on two streams: the median of {@value #MEASURED_CALLS} reads per server,
   * taking turns.
   */
  private void doGet(List<Target> targets) throws Exception {
    if (targets.isEmpty()) {
      return;
    }
    String whole = table != null ? table : targets.get(0).flight().largestTable();
    for (Target target : targets) {
      for (int i = 0; i < WARM_UP_CALLS; i++) {
        target.flight().readTable(whole, 2);
      }
    }
    List<List<FlightBench.TableRead>> reads = new ArrayList<>();
    targets.forEach(target -> reads.add(new ArrayList<>()));
    for (int turn = 0; turn < MEASURED_CALLS; turn++) {
      for (Target target : inTurn(targets, turn)) {
        reads.get(targets.indexOf(target)).add(target.flight().readTable(whole, 2));
      }
    }
    for (int t = 0; t < targets.size(); t++) {
      FlightBench.TableRead read =
          reads.get(t).stream()
              .sorted(Comparator.comparingDouble(FlightBench.TableRead::seconds))
              .toList()
              .get(MEASURED_CALLS / 2);
      targets.get(t).figures().set("flight_do_get", tableRead(targets.get(t).figures(), read));
      log(targets.get(t).name() + ": Flight DoGet " + read);
    }
  }

  /**
   * Every table once, one after the other: touches every page of the tables (for a server under a
   * memory limit).
   */
  private void doGetAll(List<Target> targets) throws Exception {
    for (Target target : targets) {
      ObjectNode all = child(target.figures(), "flight_do_get_all");
      for (String name : target.flight().tables()) {
        FlightBench.TableRead read = target.flight().readTable(name, 2);
        all.set(name, tableRead(all, read));
        log(target.name() + ": Flight DoGet " + read);
      }
    }
  }

  private static ObjectNode tableRead(ObjectNode parent, FlightBench.TableRead read) {
    ObjectNode node = parent.objectNode();
    node.put("table", read.table());
    node.put("rows", read.rows());
    node.put("bytes", read.bytes());
    node.put("seconds", read.seconds());
    node.put("endpoints", read.endpoints());
    node.put("rows_per_s", read.rows() / read.seconds());
    node.put("bytes_per_s", read.bytes() / read.seconds());
    return node;
  }

  private void answers(List<Target> targets) throws Exception {
    if (answersDirectory == null) {
      throw new IllegalArgumentException("the answers phase needs --answers-dir DIRECTORY");
    }
    List<String> swhids = new ArrayList<>();
    for (String kind : List.of("known", "hot", "directories", "unknown", "cold")) {
      swhids.addAll(lines(kind + ".txt"));
    }
    for (Target target : targets) {
      Path file = answersDirectory.resolve("answers-" + target.name() + ".txt");
      Files.write(file, target.grpc().answers(swhids));
      log(target.name() + ": answers for " + swhids.size() + " SWHIDs into " + file);
    }
  }

  /**
   * WhereIsOne once for each SWHID of {@code cold.txt} (random known contents), one call at a time,
   * with the index's pages on disk: after {@link #coldWarmUp} seconds of calls on every other kind
   * of SWHID, the JIT compilers of both sides are done (after 5 s they still took a quarter of the
   * 2 cores, and every page fault's wake-up waited for them) and have seen every branch of a lookup
   * (a warm-up on the hot contents alone left the first few hundred cold calls recompiling); then
   * {@link #coldEvict} pages the index out of the server and the page cache. Every call's latency
   * is kept, in call order.
   */
  private void cold(Target target) throws Exception {
    List<String> cold = lines("cold.txt");
    ObjectNode node = child(target.figures(), "cold");
    List<String> mixed = mixed();
    double rate = target.grpc().whereIsOneCallsPerSecond(mixed, 2, coldWarmUp);
    log(
        target.name()
            + ": cold: warm-up on every other kind of SWHID: "
            + Math.round(rate)
            + " calls/s for "
            + coldWarmUp
            + " s");
    ProvenanceServiceBlockingStub client = target.grpc().newClient();
    GrpcBench.timeCalls(client, mixed, 0, COLD_CHANNEL_WARM_UP, new long[COLD_CHANNEL_WARM_UP], 0);
    if (coldEvict != null) {
      Process evict = new ProcessBuilder("sh", "-c", coldEvict).inheritIO().start();
      if (evict.waitFor() != 0) {
        throw new IllegalStateException(
            "the eviction command exited " + evict.exitValue() + ": " + coldEvict);
      }
    }
    ProcessCounters before = serverPid == null ? null : ProcessCounters.of(serverPid);
    long[] nanos = new long[cold.size()];
    GrpcBench.timeCalls(client, cold, 0, cold.size(), nanos, 0);
    ProcessCounters during = serverPid == null ? null : ProcessCounters.of(serverPid).minus(before);
    Latency measured = Latency.of(nanos);
    node.put("calls", measured.calls());
    node.put("p50", measured.p50Micros());
    node.put("p99", measured.p99Micros());
    node.put("max", measured.maxMicros());
    ArrayNode micros = node.putArray("micros_in_call_order");
    for (long n : nanos) {
      micros.add(n / 1000);
    }
    log(target.name() + ": WhereIsOne cold known contents: " + measured);
    if (during != null) {
      node.put("major_faults", during.majorFaults());
      node.put("minor_faults", during.minorFaults());
      node.put("read_bytes", during.readBytes());
      log(
          target.name()
              + ": cold: server page faults "
              + during.majorFaults()
              + " major, "
              + during.minorFaults()
              + " minor; "
              + during.readBytes()
              + " bytes read from disk");
    }
  }

  /**
   * grpc-java's floor: the same clients against a server answering a constant (see {@link
   * GrpcFloor}).
   */
  private ObjectNode grpcFloor(ObjectMapper json) throws Exception {
    ObjectNode floor = json.createObjectNode();
    List<String> bulk = lines("bulk.txt");
    try (GrpcFloor server = GrpcFloor.start();
        GrpcBench grpc = new GrpcBench("127.0.0.1", server.port())) {
      double rate = grpc.whereIsOneCallsPerSecond(mixed(), 2, seconds);
      log("grpc-java floor: warm-up: " + Math.round(rate) + " calls/s for " + seconds + " s");
      Latency measured = grpc.whereIsOneLatency(lines("known.txt"), calls / 2, calls);
      floor.put("where_is_one_p50_us", measured.p50Micros());
      floor.put("where_is_one_p99_us", measured.p99Micros());
      log("grpc-java floor, WhereIsOne answering a constant: " + measured);
      ObjectNode stream = floor.putObject("where_are_one_messages_per_s");
      for (int size : BULK_SIZES) {
        grpc.whereAreOneSwhidsPerSecond(bulk.subList(0, Math.min(10_000, size)));
        double messages = grpc.whereAreOneSwhidsPerSecond(bulk.subList(0, size));
        stream.put(Integer.toString(size), messages);
        log(
            "grpc-java floor, WhereAreOne streaming a constant, "
                + size
                + ": "
                + Math.round(messages)
                + " messages/s");
      }
    }
    return floor;
  }

  /**
   * Calls WhereIsOne on every kind of SWHID from two clients for {@link #seconds}: a fresh server
   * JVM still compiles its call path during the first thousands of calls, which a long-running
   * production server has long done.
   */
  private void warmUp(Target target, List<String> swhids) throws Exception {
    double rate = target.grpc().whereIsOneCallsPerSecond(swhids, 2, seconds);
    log(target.name() + ": warm-up: " + Math.round(rate) + " calls/s for " + seconds + " s");
  }

  private List<String> lines(String name) throws java.io.IOException {
    List<String> lines = Files.readAllLines(queries.resolve(name));
    if (lines.isEmpty()) {
      throw new IllegalArgumentException(queries.resolve(name) + " is empty");
    }
    return lines;
  }

  private static void log(String line) {
    System.err.println("[bench-driver] " + line);
  }
}
