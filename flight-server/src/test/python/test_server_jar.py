"""The packaged server jar carries native libraries for Linux x86_64 and aarch64 only (the platforms
arrow-dataset's JNI library exists for), and each image build (-Dimage.arch=amd64|arm64) keeps only
its own architecture's."""
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest

from conftest import JAR, MODULE

NATIVE = re.compile(r"\.(so|dylib|jnilib|dll|a)$")
OTHER_OS = re.compile(r"(^|[/_])(aix|freebsd|darwin|osx|macos|win|windows)([/_]|$)")
ARCHITECTURES = {"amd64": re.compile(r"x86_64|amd64"), "arm64": re.compile(r"aarch_?64")}
POM = "{http://maven.apache.org/POM/4.0.0}"


def natives():
    with zipfile.ZipFile(JAR) as jar:
        return sorted(name for name in jar.namelist() if NATIVE.search(name))


def architecture(name):
    """amd64 or arm64 for a Linux library of one of those, None for any other library."""
    if not name.endswith(".so") or OTHER_OS.search(name):
        return None
    found = [arch for arch, pattern in ARCHITECTURES.items() if pattern.search(name)]
    return found[0] if len(found) == 1 else None


def library(name):
    """The library a native file is one build of: its name with the architecture left out."""
    for pattern in ARCHITECTURES.values():
        name = pattern.sub("ARCH", name)
    return name


def glob(pattern):
    """A shade filter pattern (Ant style: ** spans directories, * stays in one) as a regex."""
    regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
    return re.compile(regex + "$")


def image_excludes(arch):
    """The patterns the pom's image-<arch> profile adds to the server jar's shade filters."""
    for profile in ET.parse(MODULE / "pom.xml").getroot().iter(POM + "profile"):
        if profile.findtext(POM + "id") == f"image-{arch}":
            return [glob(e.text) for e in profile.iter(POM + "exclude")]
    pytest.fail(f"flight-server/pom.xml has no profile image-{arch}")


def test_only_linux_natives_for_amd64_and_arm64():
    found = natives()
    assert found, f"no native library in {JAR}"
    assert [name for name in found if architecture(name) is None] == []
    libraries = {}
    for name in found:
        libraries.setdefault(library(name), set()).add(architecture(name))
    assert {lib: archs for lib, archs in libraries.items() if archs != set(ARCHITECTURES)} == {}, \
        "a library lost one of its two architectures"
    assert "arrow_dataset_jni/ARCH/libarrow_dataset_jni.so" in libraries


def test_jar_is_lighter_than_with_every_platform():
    assert JAR.stat().st_size < 100 * 2**20, f"{JAR} is {JAR.stat().st_size:,} bytes"


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_image_profile_keeps_one_build_of_each_library(arch):
    excludes = image_excludes(arch)
    kept = [name for name in natives() if not any(pattern.match(name) for pattern in excludes)]
    assert {architecture(name) for name in kept} == {arch}
    assert sorted(library(name) for name in kept) == sorted({library(name) for name in natives()})
