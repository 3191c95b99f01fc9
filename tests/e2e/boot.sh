#!/bin/bash
# e2e harness (e2e-boot.service): count this boot and mark it in the transcript.
set -eu
mkdir -p /var/log/e2e
n=$(($(cat /var/log/e2e/boots 2>/dev/null || echo 0) + 1))
echo "$n" >/var/log/e2e/boots
echo "# boot $n" >>/var/log/e2e/transcript.log
