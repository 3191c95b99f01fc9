#!/bin/bash
# e2e harness (e2e-boot.service): count this boot and mark it in the transcript.
set -eu
mkdir -p /var/log/e2e
n=$(($(cat /var/log/e2e/boots 2>/dev/null || echo 0) + 1))
echo "$n" >/var/log/e2e/boots
echo "# boot $n" >>/var/log/e2e/transcript.log
# The baked-image scenario's first boot is the image build's instance: hold its seed
# back (finish.sh returns it once the image is baked), so cloud-init runs nothing of it.
if [ -e /etc/e2e-bake ] && [ -d /var/lib/cloud/seed/nocloud ]; then
  mv /var/lib/cloud/seed/nocloud /var/lib/e2e-held-seed
fi
