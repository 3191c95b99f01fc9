#!/usr/bin/env bash
# Whole-process benchmarks against kubeprint's targets (see BENCHMARKS.md): median wall
# times from hyperfine, peak memory from GNU time, key generation beside OpenSSL in the
# same run. Needs: hyperfine, openssl, time (Debian packages of those names).
# BENCH_DIR chooses the file system the renders write to (default: TMPDIR or /tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
bin="$PWD/target/release/kubeprint"
work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/kubeprint-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
install -m 0600 "$OLDPWD/tests/fixtures/test-only-secrets.yaml" secrets.yaml

# inventory N: a definition with N nodes (three control planes, the rest workers).
inventory() {
  printf 'name: bench\nos: ubuntu-22.04\nkubernetes:\n  version: "1.36.4"\n  endpoint: api.bench.example.com:6443\ncni:\n  plugin: calico\nnodes:\n'
  for ((i = 0; i < $1; i++)); do
    role=worker
    [ "$i" -lt 3 ] && role=control-plane
    printf '  - {name: node-%04d, role: %s, address: 10.1.%d.%d}\n' "$i" "$role" $((i / 250)) $((i % 250 + 1))
  done
}
for n in 10 100 1000; do inventory "$n" >"nodes-$n.yaml"; done

echo "== render (existing secrets, output replaced each run)"
hyperfine --style basic --warmup 3 --runs 30 -N --export-json render.json \
  "$bin render -s secrets.yaml -o out-default" \
  "$bin render -c nodes-10.yaml -s secrets.yaml -o out-10" \
  "$bin render -c nodes-100.yaml -s secrets.yaml -o out-100" 2>/dev/null
hyperfine --style basic --warmup 1 --runs 10 -N --export-json render-1000.json \
  "$bin render -c nodes-1000.yaml -s secrets.yaml -o out-1000" 2>/dev/null

echo "== key generation: kubeprint secrets generate (6 keys: 3 CAs, service account, 2 admin certificates) vs openssl, one key"
hyperfine --style basic --warmup 2 --runs 30 -N --export-json keys.json \
  "$bin secrets generate --force -o gen-rsa.yaml --key-type rsa-2048" \
  "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem" \
  "$bin secrets generate --force -o gen-ec.yaml --key-type ecdsa-p256" \
  "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem" 2>/dev/null

echo "== peak memory (max RSS, KiB)"
for n in 10 100 1000; do
  /usr/bin/time -f "nodes-$n: %M KiB, %e s" "$bin" render -c "nodes-$n.yaml" -s secrets.yaml -o "mem-$n" 2>&1 >/dev/null | tail -1
done

echo "== medians (ms)"
python3 - <<'PY'
import json
rows = []
for f in ["render.json", "render-1000.json", "keys.json"]:
    for r in json.load(open(f))["results"]:
        rows.append((r["command"], r["median"] * 1000))
medians = {}
for cmd, ms in rows:
    print(f"{ms:9.1f}  {cmd}")
    medians[cmd] = ms
def find(part):
    return next(v for k, v in medians.items() if part in k)
rsa = find("--key-type rsa-2048") / 6 / find("rsa_keygen_bits:2048")
ec = find("--key-type ecdsa-p256") / 6 / find("ec_paramgen_curve:P-256")
print(f"per-key ratio to openssl: RSA-2048 {rsa:.2f}x, ECDSA-P256 {ec:.2f}x (kubeprint's process time / 6 keys)")
n10, n100, n1000 = find("nodes-10."), find("nodes-100."), find("nodes-1000.")
print(f"per node: {n10/10:.2f} ms at 10, {n100/100:.2f} ms at 100, {n1000/1000:.2f} ms at 1000")
PY
