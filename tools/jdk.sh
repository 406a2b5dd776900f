# Sourced by ./gpt2j and tools/mvn: sets JAVA_HOME to a JDK 25 or newer, or exits with one clear line.
# Order: $JAVA_HOME if it is 25+, then /usr/lib/jvm/*25* (and newer), then `java` on the PATH.
gpt2j_java_major() {
  # The JDK's release file says it without starting a JVM (~50 ms on every launch); ask java itself if there is none.
  local v
  v=$(sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$1/release" 2>/dev/null | head -n1)
  if [ -n "$v" ]; then echo "$v"; return; fi
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1
}
gpt2j_find_jdk() {
  local c major
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/*25* /usr/lib/jvm/*2[6-9]* /usr/lib/jvm/*3[0-9]* \
           "$(dirname "$(dirname "$(readlink -f "$(command -v javac 2>/dev/null || echo /nonexistent)")")")"; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    major=$(gpt2j_java_major "$c")
    case "$major" in ''|1.*) continue ;; esac
    if [ "$major" -ge 25 ] 2>/dev/null; then echo "$c"; return 0; fi
  done
  return 1
}
if ! JAVA_HOME=$(gpt2j_find_jdk); then
  echo "gpt2j: no JDK 25 found (checked \$JAVA_HOME, /usr/lib/jvm/*25*, javac on PATH); install one, e.g. Temurin 25, or set JAVA_HOME to it" >&2
  exit 1
fi
export JAVA_HOME
