package org.softwareheritage.provenance.deployment;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * The swh-provenance chart in {@code helm/swh-provenance}, linted and rendered with helm-java
 * (native Helm).
 */
final class Chart {
  static final Path DIRECTORY = Path.of("swh-provenance").toAbsolutePath();
  static final String RELEASE = "provenance";
  static final String NAMESPACE = "swh";

  /** A cluster version the chart supports (it needs gRPC probes, GA since Kubernetes 1.27). */
  static final String KUBE_VERSION = "1.30.0";

  /** What {@link #renderWithHooks} puts before the annotations that make a template a hook. */
  static final String HOOK_PREFIX = "unhooked.";

  /** The values files shipped with the chart; {@code null} stands for the defaults alone. */
  enum ValuesFile {
    DEFAULT(null),
    STAGING("values-staging.yaml"),
    PRODUCTION("values-production.yaml");

    private final String fileName;

    ValuesFile(String fileName) {
      this.fileName = fileName;
    }

    List<Path> paths() {
      return fileName == null ? List.of() : List.of(DIRECTORY.resolve(fileName));
    }
  }

  private Chart() {}

  /** Renders the chart with {@code valuesFiles} and {@code --set} overrides into its manifests. */
  static Manifests render(List<Path> valuesFiles, Map<String, Object> overrides) {
    TemplateCommand template =
        new Helm(DIRECTORY)
            .template()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBE_VERSION);
    valuesFiles.forEach(template::withValuesFile);
    overrides.forEach(template::set);
    return Manifests.parse(template.call());
  }

  static Manifests render(ValuesFile values) {
    return render(values.paths(), Map.of());
  }

  /**
   * The test hooks ({@code helm test}) rendered like the other manifests, which {@code helm
   * template} in helm-java leaves out: rendered from a copy of the chart in which their {@code
   * helm.sh/hook*} annotations are renamed {@code HOOK_PREFIX + "helm.sh/hook*"}, so Helm does not
   * tell them apart.
   */
  static Manifests renderWithHooks(Map<String, Object> overrides, Path workDirectory) {
    Path copy = workDirectory.resolve("swh-provenance");
    copyDirectory(DIRECTORY, copy);
    try (Stream<Path> files = Files.walk(copy.resolve("templates"))) {
      for (Path template : files.filter(Files::isRegularFile).toList()) {
        Files.writeString(
            template,
            Files.readString(template).replace("helm.sh/hook", HOOK_PREFIX + "helm.sh/hook"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    TemplateCommand template =
        new Helm(copy)
            .template()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBE_VERSION);
    overrides.forEach(template::set);
    return Manifests.parse(template.call());
  }

  /** {@code helm lint --strict} with {@code values} on top of the defaults. */
  static LintResult lint(ValuesFile values, Path workDirectory) {
    return lint(values(values), workDirectory);
  }

  /**
   * {@code helm lint --strict} with these values. helm-java's lint takes no values file, so it
   * lints a copy of the chart whose values.yaml holds them.
   */
  static LintResult lint(Map<String, Object> values, Path workDirectory) {
    Path copy = workDirectory.resolve("swh-provenance");
    copyDirectory(DIRECTORY, copy);
    try {
      Files.writeString(copy.resolve("values.yaml"), new Yaml().dump(values));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Helm(copy).lint().strict().call();
  }

  /**
   * The defaults with {@code values} on top, the way Helm coalesces them (maps merged key by key,
   * anything else replaced).
   */
  static Map<String, Object> values(ValuesFile values) {
    Map<String, Object> merged = load(DIRECTORY.resolve("values.yaml"));
    for (Path file : values.paths()) {
      merged = merge(merged, load(file));
    }
    return merged;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> override) {
    Map<String, Object> merged = new LinkedHashMap<>(base);
    override.forEach(
        (key, value) ->
            merged.merge(
                key,
                value,
                (left, right) ->
                    left instanceof Map && right instanceof Map
                        ? merge((Map<String, Object>) left, (Map<String, Object>) right)
                        : right));
    return merged;
  }

  private static Map<String, Object> load(Path file) {
    try {
      return new Yaml().load(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void copyDirectory(Path from, Path to) {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : files.sorted(Comparator.naturalOrder()).toList()) {
        Files.copy(file, to.resolve(from.relativize(file).toString()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The documents of a rendered chart, as SnakeYAML maps. */
  record Manifests(List<Map<String, Object>> documents) {
    static Manifests parse(String rendered) {
      List<Map<String, Object>> documents = new ArrayList<>();
      for (Object document : new Yaml().loadAll(rendered)) {
        if (document != null) {
          @SuppressWarnings("unchecked")
          Map<String, Object> manifest = (Map<String, Object>) document;
          documents.add(manifest);
        }
      }
      return new Manifests(documents);
    }

    /** The only manifest of {@code kind}; fails if there is none or several. */
    Node get(String kind) {
      List<Map<String, Object>> found =
          documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
      if (found.size() != 1) {
        throw new AssertionError(
            "expected one " + kind + ", found " + found.size() + " in " + kinds());
      }
      return new Node(found.get(0), kind);
    }

    /**
     * The server's settings: the data of the ConfigMap its container takes its environment from.
     */
    Map<?, ?> serverConfig() {
      String name =
          get("Deployment")
              .string("spec.template.spec.containers[name=server].envFrom[0].configMapRef.name");
      return documents.stream()
          .filter(d -> "ConfigMap".equals(d.get("kind")))
          .map(d -> new Node(d, "ConfigMap"))
          .filter(d -> d.string("metadata.name").equals(name))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no ConfigMap " + name))
          .map("data");
    }

    boolean has(String kind) {
      return documents.stream().anyMatch(d -> kind.equals(d.get("kind")));
    }

    List<Object> kinds() {
      return documents.stream().map(d -> d.get("kind")).toList();
    }
  }
}
