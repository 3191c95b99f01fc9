//! Part of stage 4 (render): `airgap/`, what a connected host runs to fill an
//! `offline: true` cluster's mirrors. In: an [`AirgapPlan`]; out: `mirror-images.sh`
//! (skopeo), `download-files.sh` (curl, sha256-checked) and a README saying in which
//! order, added to the artifacts like every other operator file.
//!
//! skopeo facts (containers/skopeo at v1.22.2, 267465e170820673de25149378284fb352daa65e):
//! `copy --all` copies every image of a list and the list itself, `--preserve-digests`
//! fails rather than change a digest (both in docs/skopeo-copy.1.md; the latter since
//! v1.6.0); `inspect --format '{{.Digest}}'` prints the digest of the manifest at the
//! reference, the list for a multi-architecture image (cmd/skopeo/inspect.go, the raw
//! manifest's `manifest.Digest`).

use crate::artifact::{Artifact, Artifacts};
use crate::plan::airgap::{AirgapPlan, FileCopy, ImageCopy};

pub(crate) const MIRROR_IMAGES: &str = "airgap/mirror-images.sh";
pub(crate) const DOWNLOAD_FILES: &str = "airgap/download-files.sh";
pub(crate) const README: &str = "airgap/README.md";

pub(crate) fn add(plan: &AirgapPlan, artifacts: &mut Artifacts) {
    for (path, text, mode) in [
        (MIRROR_IMAGES, mirror_images(plan), 0o755),
        (DOWNLOAD_FILES, download_files(plan), 0o755),
        (README, readme(plan), 0o644),
    ] {
        artifacts.insert(
            path.to_string(),
            Artifact::for_operator(text.into_bytes(), mode, false),
        );
    }
}

/// Shell-quoted; every value here was validated to printable text without NUL.
fn q(value: &str) -> String {
    shlex::try_quote(value).map_or_else(|_| "''".into(), |s| s.into_owned())
}

fn header(plan: &AirgapPlan, what: &str) -> String {
    format!(
        "#!/usr/bin/env bash\n# kubeprint {}: cluster {}. {what}\n",
        env!("CARGO_PKG_VERSION"),
        plan.cluster
    )
}

const MIRROR_FUNCTIONS: &str = r#"set -Eeuo pipefail

lock=${IMAGES_LOCK:-images.lock}
touch "$lock"

die() {
  printf 'mirror-images.sh: %s\n' "$*" >&2
  exit 1
}

# mirror NAME TAG DESTINATION...: the digest NAME:TAG has upstream, checked against the
# lock, then copied by that digest to each destination that does not hold it yet.
mirror() {
  local name=$1 tag=$2 digest locked dest
  shift 2
  digest=$(skopeo inspect --format '{{.Digest}}' "docker://$name:$tag") ||
    die "cannot read the digest of $name:$tag"
  locked=$(awk -v image="$name:$tag" '$1 == image { print $2 }' "$lock")
  if [ -n "$locked" ] && [ "$locked" != "$digest" ]; then
    die "$name:$tag is now $digest but $lock records $locked: review the change, then delete its line to accept it"
  fi
  for dest in "$@"; do
    if [ "$(skopeo inspect --format '{{.Digest}}' "docker://$dest" 2>/dev/null || true)" = "$digest" ]; then
      printf 'already mirrored: %s\n' "$dest"
      continue
    fi
    skopeo copy --all --preserve-digests "docker://$name@$digest" "docker://$dest"
    printf 'mirrored: %s (%s)\n' "$dest" "$digest"
  done
  [ -n "$locked" ] || printf '%s %s\n' "$name:$tag" "$digest" >>"$lock"
}

"#;

fn mirror_images(plan: &AirgapPlan) -> String {
    let mut out = header(
        plan,
        "Run on a host that reaches the\n\
         # upstream registries and your mirrors (`skopeo login` to a mirror first if it needs it).\n\
         # Copies every image the nodes pull to where `registries.mirrors` and\n\
         # `kubernetes.image_repository` say they pull it from, every architecture, digests\n\
         # unchanged, and records each digest in images.lock (IMAGES_LOCK=FILE: elsewhere; keep\n\
         # it outside kubeprint's output directory, and commit it). A digest that differs from\n\
         # the lock stops the run. Safe to run again: what a mirror holds is not copied twice.",
    );
    out.push_str(MIRROR_FUNCTIONS);
    for ImageCopy {
        name,
        tag,
        destinations,
    } in &plan.images
    {
        let dests: Vec<String> = destinations.iter().map(|d| q(d)).collect();
        out.push_str(&format!(
            "mirror {} {} {}\n",
            q(name),
            q(tag),
            dests.join(" ")
        ));
    }
    if !plan.unknown_images.is_empty() {
        out.push_str("\n# kubeprint does not know these references: mirror them yourself.\n");
        for (name, why) in &plan.unknown_images {
            // No backquotes: shellcheck reads them as a command in single quotes.
            let line = format!("warning: not mirrored: {name}: {}", why.replace('`', ""));
            out.push_str(&format!("printf '%s\\n' {} >&2\n", q(&line)));
        }
    }
    out
}

const DOWNLOAD_FUNCTIONS: &str = r#"set -Eeuo pipefail

dest=${1:-airgap-files}

die() {
  printf 'download-files.sh: %s\n' "$*" >&2
  exit 1
}

# fetch URL PATH SHA256: URL saved as DEST/PATH, checked against SHA256 unless it is
# empty; a file already there with that sha256 is kept.
fetch() {
  local url=$1 path=$2 expected=$3 target actual
  target=$dest/$path
  if [ -n "$expected" ] && [ -f "$target" ] &&
    [ "$(sha256sum "$target" | cut -d' ' -f1)" = "$expected" ]; then
    printf 'already there: %s\n' "$path"
    return 0
  fi
  mkdir -p "$(dirname "$target")"
  curl --proto '=https' --proto-redir '=https' -fsSL -o "$target.part" "$url" ||
    die "cannot download $url"
  actual=$(sha256sum "$target.part" | cut -d' ' -f1)
  if [ -n "$expected" ] && [ "$actual" != "$expected" ]; then
    rm -f "$target.part"
    die "$path ($url) does not match its pin: expected sha256 $expected, downloaded $actual"
  fi
  mv -f "$target.part" "$target"
  printf 'downloaded: %s  %s\n' "$actual" "$path"
}

"#;

fn download_files(plan: &AirgapPlan) -> String {
    let mut out = header(
        plan,
        "Run on a host that reaches upstream:\n\
         # downloads every file the nodes fetch from your mirrors into DIR (first argument,\n\
         # default airgap-files), as DIR/<mirror host>/<path>, so a web server for each mirror\n\
         # host can serve its directory as is. Checks each sha256 kubeprint pins and stops at\n\
         # the first mismatch; writes DIR/SHA256SUMS of every file for review. Safe to run\n\
         # again. The apt repositories themselves are not copied: see README.md.",
    );
    out.push_str(DOWNLOAD_FUNCTIONS);
    for FileCopy {
        url, sha256, path, ..
    } in &plan.files
    {
        out.push_str(&format!(
            "fetch {} {} {}\n",
            q(url),
            q(&safe_path(path)),
            q(sha256.as_deref().unwrap_or(""))
        ));
    }
    let paths: Vec<String> = plan.files.iter().map(|f| q(&safe_path(&f.path))).collect();
    out.push_str(&format!(
        "(cd \"$dest\" && sha256sum -- {} >SHA256SUMS)\n",
        paths.join(" ")
    ));
    out
}

/// A URL's host and path as a relative path that stays inside the download directory.
fn safe_path(path: &str) -> String {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| if s == "." || s == ".." { "_" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

fn readme(plan: &AirgapPlan) -> String {
    let mut out = format!(
        "# Filling the mirrors of cluster {}\n\n\
         kubeprint {} rendered this for `offline: true`: the nodes fetch nothing but from the\n\
         mirrors below. On a host that reaches both upstream and the mirrors, in this order:\n\n\
         1. Mirror the apt repositories (table below; kubeprint's README, \"Air-gapped\n   \
         installation\", shows how).\n\
         2. `./download-files.sh DIR`, then serve each `DIR/<host>/` at `https://<host>/`\n   \
         (or copy the files to the URLs in the table). It stops at any file whose sha256\n   \
         differs from kubeprint's pin.\n\
         3. `./mirror-images.sh` (skopeo) from the directory that keeps `images.lock`;\n   \
         review and commit the lock. A later run stops at any image whose digest changed.\n\
         4. Boot the nodes.\n\n",
        plan.cluster,
        env!("CARGO_PKG_VERSION"),
    );
    out.push_str(
        "## apt repositories\n\n| repository | upstream | key | mirror |\n|---|---|---|---|\n",
    );
    for r in &plan.repositories {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            r.name, r.upstream, r.upstream_key, r.mirror
        ));
    }
    out.push_str("\n## Files (download-files.sh)\n\n| file | nodes fetch it from | sha256 |\n|---|---|---|\n");
    for f in &plan.files {
        let sha = f
            .sha256
            .as_deref()
            .unwrap_or("not pinned: see DIR/SHA256SUMS");
        out.push_str(&format!("| {} | {} | {sha} |\n", f.url, f.served_at));
    }
    out.push_str("\n## Images (mirror-images.sh)\n\n| image | copied to |\n|---|---|\n");
    for i in &plan.images {
        out.push_str(&format!(
            "| {}:{} | {} |\n",
            i.name,
            i.tag,
            i.destinations.join("<br>")
        ));
    }
    if !plan.unknown_images.is_empty() {
        out.push_str("\nNot copied, references unknown to kubeprint (mirror them yourself):\n\n");
        for (name, why) in &plan.unknown_images {
            out.push_str(&format!("- {name}: {why}\n"));
        }
    }
    out
}
