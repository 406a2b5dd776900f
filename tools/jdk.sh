# Sourced by ./gpt2j and tools/mvn: sets JAVA_HOME to a JDK 25 or newer, or exits with one clear line.
# Order: $JAVA_HOME if it is 25+, then /usr/lib/jvm/*25* (and newer), then `java` on the PATH.
# Shell built-ins only on the usual path: every process started here costs ~4 ms of each gpt2j start.
gpt2j_java_major() { # sets REPLY to the JDK's major version, or to "" when it cannot tell
  local line
  REPLY=""
  # The JDK's release file says it without starting a JVM (~50 ms on every launch); ask java itself if there is none.
  if [ -r "$1/release" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case $line in JAVA_VERSION=\"[0-9]*)
        line=${line#JAVA_VERSION=\"}
        REPLY=${line%%[!0-9]*}
        return ;;
      esac
    done <"$1/release"
  fi
  REPLY=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1)
  case $REPLY in 1.*) REPLY=1 ;; esac
}
gpt2j_is_jdk25() {
  [ -n "$1" ] && [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  gpt2j_java_major "$1"
  case $REPLY in '' | *[!0-9]*) return 1 ;; esac
  [ "$REPLY" -ge 25 ]
}
gpt2j_find_jdk() { # sets JAVA_HOME
  local c javac
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/*25* /usr/lib/jvm/*2[6-9]* /usr/lib/jvm/*3[0-9]*; do
    if gpt2j_is_jdk25 "$c"; then JAVA_HOME=$c; return 0; fi
  done
  javac=$(command -v javac 2>/dev/null) || return 1
  c=$(dirname "$(dirname "$(readlink -f "$javac")")")
  if gpt2j_is_jdk25 "$c"; then JAVA_HOME=$c; return 0; fi
  return 1
}
if ! gpt2j_find_jdk; then
  echo "gpt2j: no JDK 25 found (checked \$JAVA_HOME, /usr/lib/jvm/*25*, javac on PATH); install one, e.g. Temurin 25, or set JAVA_HOME to it" >&2
  exit 1
fi
export JAVA_HOME
