package org.softwareheritage.provenance.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.deployment.Chart.ValuesFile;
import org.softwareheritage.provenance.deployment.Dockerfile.Instruction;

/**
 * The container image definition, checked without a Docker engine: its stages, user, ports, health
 * check and entry point agree with the poms and with the chart, and the entry point script sizes
 * the JVM from the container's memory limit (run with a stand-in {@code java} that prints its
 * arguments).
 */
class DockerImageTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path ENTRYPOINT = ROOT.resolve("docker/entrypoint.sh");
  private static final Dockerfile DOCKERFILE = Dockerfile.read(ROOT.resolve("Dockerfile"));
  private static final String INSTALLED_JAR = "/opt/swh-provenance/provenance-server.jar";

  @Test
  void buildsTheServerJarWithMavenAndRunsItOnAJre25() throws Exception {
    List<Instruction> stages = DOCKERFILE.all("FROM");
    assertEquals(2, stages.size(), stages.toString());
    assertEquals(
        "--platform=$BUILDPLATFORM maven:3.9-eclipse-temurin-25 AS build",
        stages.get(0).arguments());
    assertEquals(
        "eclipse-temurin:25-jre",
        stages.get(1).arguments(),
        "the runtime stage is the target platform's");
    Instruction build = DOCKERFILE.all("RUN").get(0);
    assertTrue(
        build
            .arguments()
            .endsWith(
                "&& mvn -B -ntp -pl flight-server -am package -DskipTests"
                    + " -Dimage.arch=\"$TARGETARCH\""),
        build.arguments());

    String jarName =
        xpath(ROOT.resolve("flight-server/pom.xml"), "//*[local-name()='finalName']") + ".jar";
    String copy =
        DOCKERFILE.all("COPY").stream()
            .map(Instruction::arguments)
            .filter(a -> a.startsWith("--from=build"))
            .findFirst()
            .orElseThrow();
    assertEquals("--from=build /build/flight-server/target/" + jarName + " " + INSTALLED_JAR, copy);
    assertTrue(Files.readString(ENTRYPOINT).contains("\nJAR=" + INSTALLED_JAR + "\n"));
  }

  /**
   * Each platform's image carries only its architecture's native libraries: the build stage passes
   * Docker's TARGETARCH to the flight-server profile of that name (the profiles' filters are
   * checked against the jar by test_server_jar.py) and refuses an architecture that has none.
   */
  @Test
  void buildsTheJarForTheTargetArchitectureOnly(@TempDir Path work) throws Exception {
    assertEquals(
        List.of("TARGETARCH"), DOCKERFILE.all("ARG").stream().map(Instruction::arguments).toList());
    Path pom = ROOT.resolve("flight-server/pom.xml");
    for (String arch : List.of("amd64", "arm64")) {
      String activation =
          "//*[local-name()='profile'][*[local-name()='id']='image-"
              + arch
              + "']"
              + "/*[local-name()='activation']/*[local-name()='property']";
      assertEquals(
          "image.arch=" + arch,
          xpath(pom, activation + "/*[local-name()='name']")
              + "="
              + xpath(pom, activation + "/*[local-name()='value']"));
      assertEquals(0, runArchitectureCheck(work, arch), arch);
    }
    assertEquals(1, runArchitectureCheck(work, "ppc64le"));
    assertEquals(1, runArchitectureCheck(work, ""));
  }

  /**
   * The build stage's RUN up to its Maven command, in a shell with TARGETARCH set: its exit code.
   */
  private static int runArchitectureCheck(Path work, String arch) throws Exception {
    String run = DOCKERFILE.all("RUN").get(0).arguments();
    String check = run.substring(run.indexOf("case "), run.indexOf("&& mvn"));
    ProcessBuilder builder =
        new ProcessBuilder("sh", "-c", check)
            .directory(work.toFile())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("out").toFile());
    builder.environment().put("TARGETARCH", arch);
    Process process = builder.start();
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    return process.exitValue();
  }

  @Test
  void runsAsTheNonRootUserTheChartExpects() {
    assertEquals("10001:10001", DOCKERFILE.runtime("USER").arguments());
    assertTrue(
        DOCKERFILE.runtime("RUN").arguments().contains("useradd --system --uid 10001 --gid swh"));
    Node pod = Chart.render(ValuesFile.DEFAULT).get("Deployment").at("spec.template.spec");
    assertEquals(10001, pod.at("securityContext.runAsUser").value());
    assertEquals(10001, pod.at("securityContext.runAsGroup").value());
  }

  @Test
  void exposesTheServerPortAndChecksHealthThroughTheJar() {
    assertEquals("50141", DOCKERFILE.runtime("EXPOSE").arguments());
    assertTrue(DOCKERFILE.runtime("ENV").arguments().contains("SWH_PROVENANCE_BIND=0.0.0.0:50141"));
    Instruction healthcheck = DOCKERFILE.runtime("HEALTHCHECK");
    Matcher startPeriod =
        Pattern.compile("--start-period=(\\d+)m").matcher(healthcheck.arguments());
    assertTrue(
        startPeriod.find() && Integer.parseInt(startPeriod.group(1)) >= 10,
        "loading a large database needs a start period of minutes: " + healthcheck.arguments());
    assertEquals(
        List.of(
            "java",
            "-Xmx64m",
            "-XX:TieredStopAtLevel=1",
            "--sun-misc-unsafe-memory-access=allow",
            "-jar",
            INSTALLED_JAR,
            "health",
            "--target",
            "127.0.0.1:50141",
            "--timeout",
            "PT5S"),
        healthcheck.execForm());
  }

  @Test
  void entryPointServesTheDatabaseMountedAtTheChartsPath() throws IOException {
    assertEquals(
        List.of("/opt/swh-provenance/entrypoint.sh"), DOCKERFILE.runtime("ENTRYPOINT").execForm());
    assertEquals(
        List.of("serve", "--database", "/srv/provenance"), DOCKERFILE.runtime("CMD").execForm());
    assertTrue(
        DOCKERFILE.all("COPY").stream()
            .anyMatch(
                c ->
                    c.arguments()
                        .equals("docker/entrypoint.sh /opt/swh-provenance/entrypoint.sh")));
    assertTrue(
        Files.isExecutable(ENTRYPOINT), "the image keeps the file mode of docker/entrypoint.sh");
    List<String> ignored = Files.readAllLines(ROOT.resolve(".dockerignore"));
    assertTrue(ignored.contains("**/target/") && ignored.contains(".git/"), ignored.toString());
  }

  @Test
  void entryPointSizesHeapAndDirectMemoryFromTheContainerLimit(@TempDir Path bin) throws Exception {
    List<String> jvm = runEntryPoint(bin, Map.of(), "serve", "--database", "/srv/provenance");
    List<String> expected =
        new ArrayList<>(
            List.of(
                "-XX:MaxRAMPercentage=10",
                "-XX:MaxDirectMemorySize=" + directMiB(jvm) + "m",
                "-XX:+ExitOnOutOfMemoryError"));
    expected.addAll(ARROW_JVM_ARGS);
    expected.addAll(List.of("-jar", INSTALLED_JAR, "serve", "--database", "/srv/provenance"));
    assertEquals(expected, jvm);
    assertTrue(directMiB(jvm) > 0, jvm.toString());

    long whole = directMiB(runEntryPoint(bin, Map.of("JVM_DIRECT_MEMORY_PERCENT", "100"), "serve"));
    long half = directMiB(runEntryPoint(bin, Map.of("JVM_DIRECT_MEMORY_PERCENT", "50"), "serve"));
    assertEquals(whole / 2, half, "direct memory is the given share of one and the same limit");
    assertEquals(whole * 70 / 100, directMiB(jvm));
  }

  @Test
  void entryPointAppendsJavaOptsAndPassesArgumentsVerbatim(@TempDir Path bin) throws Exception {
    List<String> jvm =
        runEntryPoint(
            bin,
            Map.of("JVM_HEAP_PERCENT", "20", "JAVA_OPTS", "-Xlog:gc -Dx=y"),
            "gen-example",
            "/data/with space");
    assertEquals("-XX:MaxRAMPercentage=20", jvm.get(0));
    assertEquals(
        List.of("-Xlog:gc", "-Dx=y", "-jar", INSTALLED_JAR, "gen-example", "/data/with space"),
        jvm.subList(3 + ARROW_JVM_ARGS.size(), jvm.size()));
  }

  /** The JVM flags the build gives tests, which the image must give the server too. */
  private static final List<String> ARROW_JVM_ARGS = arrowJvmArgs();

  private static List<String> arrowJvmArgs() {
    try {
      return List.of(
          xpath(
                  ROOT.resolve("pom.xml"),
                  "/*[local-name()='project']/*[local-name()='properties']"
                      + "/*[local-name()='arrow.jvm.args']")
              .split(" "));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static long directMiB(List<String> jvm) {
    String flag = jvm.get(1);
    assertTrue(flag.matches("-XX:MaxDirectMemorySize=\\d+m"), flag);
    return Long.parseLong(flag.substring("-XX:MaxDirectMemorySize=".length(), flag.length() - 1));
  }

  /**
   * Runs docker/entrypoint.sh with a {@code java} on the PATH that prints one argument per line.
   */
  private static List<String> runEntryPoint(Path bin, Map<String, String> env, String... args)
      throws Exception {
    Path java = bin.resolve("java");
    Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    List<String> command = new ArrayList<>(List.of("sh", ENTRYPOINT.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    builder
        .environment()
        .keySet()
        .removeIf(name -> name.startsWith("JVM_") || name.equals("JAVA_OPTS"));
    builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    builder.environment().putAll(env);
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, process.exitValue(), out);
    return out.lines().toList();
  }

  private static String xpath(Path xml, String expression) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    return XPathFactory.newInstance()
        .newXPath()
        .evaluate(expression, factory.newDocumentBuilder().parse(xml.toFile()));
  }
}
