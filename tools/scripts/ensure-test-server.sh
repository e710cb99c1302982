#!/usr/bin/env bash
# Prints the path of an executable that starts Temporal's time-skipping test server, resolving it
# first when it is not cached yet. `TestWorkflowEnvironment.createTimeSkipping()` would download the
# server's native build; this machine (and CI without internet) cannot, so this uses the same
# server's Java build from Maven Central (`io.temporal:temporal-test-server`) with `mvn`, once per
# version, into a cache outside the repository like temporal-dev.sh's CLI:
#   ${XDG_CACHE_HOME:-~/.cache}/durable-callbacks/temporal-test-server-<version>/
#     lib/*.jar             the server and its dependencies
#     temporal-test-server  the launcher: java -cp 'lib/*' io.temporal.testserver.TestServer "$@"
# Needs Java 11+ and Maven on PATH. Messages go to stderr; stdout is only the launcher's path.
set -euo pipefail

version="${DC_TEST_SERVER_VERSION:-1.31.0}"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/durable-callbacks"
cache_dir="$cache_root/temporal-test-server-$version"
launcher="$cache_dir/temporal-test-server"

say() { echo "[test-server] $*" >&2; }

# A cache entry is complete once its launcher exists: it is written last, after every jar.
if [ -x "$launcher" ]; then
  echo "$launcher"
  exit 0
fi

for tool in java mvn; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    say "'$tool' is not on PATH: the time-skipping tests need Java 11+ and Maven to fetch io.temporal:temporal-test-server:$version"
    exit 1
  fi
done

mkdir -p "$cache_root"
# One resolver at a time per version (parallel Jest workers, two checkouts).
exec 9>"$cache_root/install-test-server-$version.lock"
flock 9
if [ -x "$launcher" ]; then
  echo "$launcher"
  exit 0
fi

say "resolving io.temporal:temporal-test-server:$version from Maven Central into $cache_dir (once per version)"
tmp="$(mktemp -d "$cache_root/test-server.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>durable-callbacks.local</groupId>
  <artifactId>temporal-test-server-resolver</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>$version</version>
    </dependency>
    <!-- The server logs through SLF4J 1.7 and ships no binding: without one, every start prints a warning. -->
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-nop</artifactId>
      <version>1.7.36</version>
    </dependency>
  </dependencies>
</project>
EOF
if ! mvn -B -f "$tmp/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp/out/lib" >"$tmp/mvn.log" 2>&1; then
  cat "$tmp/mvn.log" >&2
  say "mvn could not resolve io.temporal:temporal-test-server:$version (its output is above)"
  exit 1
fi
if ! ls "$tmp/out/lib/temporal-test-server-$version.jar" >/dev/null 2>&1; then
  say "mvn finished but temporal-test-server-$version.jar is not among the resolved jars"
  exit 1
fi
cat >"$tmp/out/temporal-test-server" <<'EOF'
#!/usr/bin/env bash
# Temporal's time-skipping test server (Java build); the SDK passes the port as the first argument.
exec java -cp "$(dirname "$0")/lib/*" io.temporal.testserver.TestServer "$@"
EOF
chmod +x "$tmp/out/temporal-test-server"
rm -rf "$cache_dir"
mv "$tmp/out" "$cache_dir"
say "cached the time-skipping test server ($launcher)"
echo "$launcher"
