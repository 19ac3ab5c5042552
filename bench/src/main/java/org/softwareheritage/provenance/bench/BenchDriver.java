package org.softwareheritage.provenance.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The Java side of bench/run.sh: measures a running server with real clients on loopback and
 * writes the figures as JSON. SWHID lists come from the query directory that run.sh prepares:
 * {@code known.txt}, {@code hot.txt}, {@code directories.txt}, {@code unknown.txt}, {@code bulk.txt}.
 */
@Command(name = "bench-driver", mixinStandardHelpOptions = true,
    description = "Measure a running provenance server over gRPC and Arrow Flight; write the figures as JSON.")
public final class BenchDriver implements Callable<Integer> {
  private static final int[] BULK_SIZES = {100_000, 1_000_000};

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Server host (default: ${DEFAULT-VALUE}).")
  private String host;

  @Option(names = "--port", required = true, description = "Server port.")
  private int port;

  @Option(names = "--queries", required = true, description = "Directory of SWHID lists.")
  private Path queries;

  @Option(names = "--out", required = true, description = "JSON file to write.")
  private Path out;

  @Option(names = "--table", description = "Table to read whole with DoGet (default: the largest listed).")
  private String table;

  @Option(names = "--phases", split = ",", defaultValue = "tcp,latency,throughput,grpc-bulk,grpc-floor,flight-bulk,doget",
      description = "Phases to run (default: all: ${DEFAULT-VALUE}).")
  private java.util.Set<String> phases;

  @Option(names = "--calls", defaultValue = "20000", description = "Measured WhereIsOne calls per kind of SWHID.")
  private int calls;

  @Option(names = "--seconds", defaultValue = "5", description = "Duration of each throughput run.")
  private double seconds;

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchDriver()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode figures = json.createObjectNode();
    List<String> known = lines("known.txt");
    List<String> bulk = lines("bulk.txt");

    if (phases.contains("tcp")) {
      figures.put("loopback_tcp_bytes_per_s", LoopbackTcp.bytesPerSecond(Math.min(seconds, 3)));
      log("loopback TCP: " + Math.round(figures.get("loopback_tcp_bytes_per_s").asDouble() / 1e6) + " MB/s");
    }

    List<String> mixed = new ArrayList<>();
    for (String kind : List.of("known", "hot", "directories", "unknown")) {
      mixed.addAll(lines(kind + ".txt"));
    }
    try (GrpcBench grpc = new GrpcBench(host, port)) {
      if (phases.contains("latency")) {
        warmUp(grpc, mixed);
      }
      ObjectNode latency = figures.putObject("where_is_one_latency_us");
      for (String kind : phases.contains("latency") ? List.of("known", "hot", "directories", "unknown") : List.<String>of()) {
        Latency measured = grpc.whereIsOneLatency(lines(kind + ".txt"), calls / 2, calls);
        ObjectNode node = latency.putObject(kind);
        node.put("calls", measured.calls());
        node.put("p50", measured.p50Micros());
        node.put("p99", measured.p99Micros());
        node.put("max", measured.maxMicros());
        log("WhereIsOne " + kind + ": " + measured);
      }
      ObjectNode throughput = figures.putObject("where_is_one_calls_per_s");
      for (int clients : phases.contains("throughput") ? new int[] {1, 8} : new int[0]) {
        double rate = grpc.whereIsOneCallsPerSecond(known, clients, seconds);
        throughput.put(Integer.toString(clients), rate);
        log("WhereIsOne " + clients + " clients: " + Math.round(rate) + " calls/s");
      }
      ObjectNode whereAreOne = figures.putObject("where_are_one_swhids_per_s");
      for (int size : phases.contains("grpc-bulk") ? BULK_SIZES : new int[0]) {
        grpc.whereAreOneSwhidsPerSecond(bulk.subList(0, Math.min(10_000, size)));
        double rate = grpc.whereAreOneSwhidsPerSecond(bulk.subList(0, size));
        whereAreOne.put(Integer.toString(size), rate);
        log("WhereAreOne " + size + ": " + Math.round(rate) + " SWHIDs/s");
      }
    }

    if (phases.contains("grpc-floor")) {
      ObjectNode floor = figures.putObject("grpc_floor");
      try (GrpcFloor server = GrpcFloor.start(); GrpcBench grpc = new GrpcBench("127.0.0.1", server.port())) {
        warmUp(grpc, mixed);
        Latency measured = grpc.whereIsOneLatency(known, calls / 2, calls);
        floor.put("where_is_one_p50_us", measured.p50Micros());
        floor.put("where_is_one_p99_us", measured.p99Micros());
        log("grpc-java floor, WhereIsOne answering a constant: " + measured);
        ObjectNode stream = floor.putObject("where_are_one_messages_per_s");
        for (int size : BULK_SIZES) {
          grpc.whereAreOneSwhidsPerSecond(bulk.subList(0, Math.min(10_000, size)));
          double rate = grpc.whereAreOneSwhidsPerSecond(bulk.subList(0, size));
          stream.put(Integer.toString(size), rate);
          log("grpc-java floor, WhereAreOne streaming a constant, " + size + ": " + Math.round(rate) + " messages/s");
        }
      }
    }

    try (FlightBench flight = new FlightBench(host, port)) {
      ObjectNode bulkProvenance = figures.putObject("flight_bulk_swhids_per_s");
      for (int size : phases.contains("flight-bulk") ? BULK_SIZES : new int[0]) {
        // a JVM client needs a few calls before its Flight and gRPC paths are compiled
        for (int warmUp = 0; warmUp < 3; warmUp++) {
          flight.bulkProvenanceSwhidsPerSecond(bulk.subList(0, Math.min(100_000, size)));
        }
        double rate = flight.bulkProvenanceSwhidsPerSecond(bulk.subList(0, size));
        bulkProvenance.put(Integer.toString(size), rate);
        log("Flight bulk provenance " + size + ": " + Math.round(rate) + " SWHIDs/s");
      }
      if (!phases.contains("doget")) {
        json.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), figures);
        return 0;
      }
      String whole = table != null ? table : flight.largestTable();
      FlightBench.TableRead read = flight.readTableMedian(whole, 2);
      ObjectNode doGet = figures.putObject("flight_do_get");
      doGet.put("table", read.table());
      doGet.put("rows", read.rows());
      doGet.put("bytes", read.bytes());
      doGet.put("seconds", read.seconds());
      doGet.put("endpoints", read.endpoints());
      doGet.put("rows_per_s", read.rows() / read.seconds());
      doGet.put("bytes_per_s", read.bytes() / read.seconds());
      log("Flight DoGet " + read);
    }
    json.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), figures);
    return 0;
  }

  /**
   * Calls WhereIsOne on every kind of SWHID from two clients for {@link #seconds}: a fresh
   * server JVM still compiles its call path during the first thousands of calls, which a
   * long-running production server has long done.
   */
  private void warmUp(GrpcBench grpc, List<String> swhids) throws Exception {
    double rate = grpc.whereIsOneCallsPerSecond(swhids, 2, seconds);
    log("warm-up: " + Math.round(rate) + " calls/s for " + seconds + " s");
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
