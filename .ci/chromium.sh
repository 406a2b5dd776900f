#!/usr/bin/env bash
# CI: the attention page test (HtmlPageBrowserTest) drives headless Chromium with playwright-core from npm; install
# Debian's chromium, and Node.js with npm, where absent. The test installs playwright-core itself (build-out/playwright).
# Also zsh, which the shell-completion test (CliSurfaceTest) loads the completion script into.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium fonts-dejavu-core)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v zsh >/dev/null || need+=(zsh)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}"
/usr/bin/chromium --version
