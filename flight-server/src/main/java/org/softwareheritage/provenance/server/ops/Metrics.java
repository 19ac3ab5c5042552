package org.softwareheritage.provenance.server.ops;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.NamingConvention;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusNamingConvention;
import io.micrometer.statsd.StatsdConfig;
import io.micrometer.statsd.StatsdFlavor;
import io.micrometer.statsd.StatsdMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.arrow.memory.BufferAllocator;
import org.softwareheritage.provenance.server.index.IndexedDatabase;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;

/**
 * The service's meters: always sent to statsd as the upstream server does ({@code STATSD_HOST},
 * {@code STATSD_PORT}, {@code STATSD_TAGS}; DogStatsD tags, names prefixed {@code
 * swh_provenance_grpc_server.}), and kept for a Prometheus scrape when asked.
 */
public final class Metrics implements AutoCloseable {
  public static final String PREFIX = "swh_provenance_grpc_server";
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)}|\\$(\\w+)");

  private final CompositeMeterRegistry registry = new CompositeMeterRegistry();
  private final StatsdMeterRegistry statsd;
  private final PrometheusMeterRegistry prometheus;
  private final JvmGcMetrics gc = new JvmGcMetrics();

  private Metrics(StatsdMeterRegistry statsd, PrometheusMeterRegistry prometheus) {
    this.statsd = statsd;
    this.prometheus = prometheus;
    registry.add(statsd);
    if (prometheus != null) {
      registry.add(prometheus);
    }
  }

  /**
   * Meters configured from {@code env} (the process environment in production); with {@code
   * withPrometheus}, also kept for {@link #scrape()}.
   */
  public static Metrics fromEnvironment(Map<String, String> env, boolean withPrometheus) {
    String host = env.getOrDefault("STATSD_HOST", "localhost");
    int port = Integer.parseInt(env.getOrDefault("STATSD_PORT", "8125"));
    StatsdConfig config =
        new StatsdConfig() {
          @Override
          public String get(String key) {
            return null;
          }

          @Override
          public StatsdFlavor flavor() {
            return StatsdFlavor.DATADOG;
          }

          @Override
          public String host() {
            return host;
          }

          @Override
          public int port() {
            return port;
          }

          @Override
          public Duration pollingFrequency() {
            return Duration.ofSeconds(1);
          }
        };
    StatsdMeterRegistry statsd = new StatsdMeterRegistry(config, Clock.SYSTEM);
    statsd.config().namingConvention(NamingConvention.identity);
    statsd.config().commonTags(tags(env.getOrDefault("STATSD_TAGS", ""), env));
    PrometheusMeterRegistry prometheus = withPrometheus ? prometheus() : null;
    return new Metrics(statsd, prometheus);
  }

  /**
   * The Prometheus side: call durations as histograms (for latency quantiles in alert rules) in
   * seconds, the statsd {@code _ms} suffix dropped ({@code ..._response_wall_time_seconds}).
   */
  private static PrometheusMeterRegistry prometheus() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    PrometheusNamingConvention seconds = new PrometheusNamingConvention();
    registry
        .config()
        .namingConvention(
            (name, type, unit) ->
                seconds.name(name, type, unit).replace("_ms_seconds", "_seconds"));
    registry
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public DistributionStatisticConfig configure(
                  Meter.Id id, DistributionStatisticConfig config) {
                return id.getType() == Meter.Type.TIMER && id.getName().startsWith(PREFIX)
                    ? DistributionStatisticConfig.builder()
                        .percentilesHistogram(true)
                        .build()
                        .merge(config)
                    : config;
              }
            });
    return registry;
  }

  /** {@code k:v,k2:$ENV_VAR} with {@code $VAR} and {@code ${VAR}} replaced from {@code env}. */
  static List<Tag> tags(String spec, Map<String, String> env) {
    List<Tag> tags = new ArrayList<>();
    for (String pair : spec.split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      int colon = pair.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("STATSD_TAGS: '" + pair + "' is not KEY:VALUE");
      }
      Matcher variables = VARIABLE.matcher(pair.substring(colon + 1).trim());
      StringBuilder value = new StringBuilder();
      while (variables.find()) {
        String name = variables.group(1) != null ? variables.group(1) : variables.group(2);
        variables.appendReplacement(value, Matcher.quoteReplacement(env.getOrDefault(name, "")));
      }
      variables.appendTail(value);
      tags.add(Tag.of(pair.substring(0, colon).trim(), value.toString()));
    }
    return tags;
  }

  /** The full name of a service meter. */
  static String name(String meter) {
    return PREFIX + "." + meter;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Adds JVM memory, GC, thread and CPU meters. */
  public void bindJvm() {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    gc.bindTo(registry);
  }

  /** Adds Arrow memory in use. */
  public void bindArrowMemory(BufferAllocator allocator) {
    Gauge.builder(name("arrow_allocated_bytes"), allocator, BufferAllocator::getAllocatedMemory)
        .register(registry);
  }

  /**
   * Adds rows per table, bytes of tables and indices (and how many of them are mapped from an index
   * directory), the process's resident anonymous and file-backed memory, and load and index times
   * of {@code data}.
   */
  public void bindDatabase(IndexedDatabase data) {
    for (ProvenanceTable table : ProvenanceTable.values()) {
      Gauge.builder(name("table_rows"), data, d -> d.database().table(table).rowCount())
          .tag("table", table.directory())
          .register(registry);
    }
    Gauge.builder(name("database_bytes"), data, IndexedDatabase::sizeInBytes).register(registry);
    Gauge.builder(
            name("database_mapped_bytes"), data, d -> d.store().isMapped() ? d.sizeInBytes() : 0)
        .register(registry);
    Gauge.builder(name("resident_anonymous_bytes"), () -> ProcessMemory.read().anonymousBytes())
        .register(registry);
    Gauge.builder(name("resident_file_bytes"), () -> ProcessMemory.read().fileBytes())
        .register(registry);
    Gauge.builder(
            name("database_load_seconds"), data, d -> (d.loadMillis() + d.indexMillis()) / 1000.0)
        .register(registry);
  }

  /** Whether a Prometheus scrape is available. */
  public boolean hasPrometheus() {
    return prometheus != null;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return prometheus.scrape();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
    statsd.close();
    if (prometheus != null) {
      prometheus.close();
    }
  }
}
