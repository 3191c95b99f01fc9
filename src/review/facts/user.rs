//! Part of `facts`: the user's own additions, read back from a script. The files a
//! files step writes (`user_file PATH MODE [trim] [secret] <<'KUBEPRINT_EOF'`), the keys an
//! ssh-keys step authorizes (`authorize_key 'LINE'`) and the commands a commands step
//! runs (`run_command 'pre[0]' SHA256 'TEXT'`, the quoted text possibly over several
//! lines; a label whose short sha256 does not match the text is a problem).

use super::model::{BundleFacts, Found, UserCommand, UserFile};

/// A files step's here-document: `None` when `opener` is not a `user_file` call.
pub(super) fn user_file(opener: &str, body: &str) -> Option<UserFile> {
    let (call, _) = opener.split_once("<<")?;
    let words = shlex::split(call)?;
    let [name, path, mode, rest @ ..] = words.as_slice() else {
        return None;
    };
    if name != "user_file" {
        return None;
    }
    // The here-document ends the content with a newline; `trim` drops it again.
    let content = match rest.iter().any(|f| f == "trim") {
        true => body.strip_suffix('\n').unwrap_or(body),
        false => body,
    };
    Some(UserFile {
        path: path.clone(),
        mode: mode.clone(),
        content: content.to_string(),
        secret: rest.iter().any(|f| f == "secret"),
    })
}

/// Reads a `run_command` or `authorize_key` call starting at `line` into `b`, taking
/// the lines a quoted argument spans from `rest`. Returns whether `line` was one.
pub(super) fn scan_call<'a>(
    b: &mut BundleFacts,
    file: &str,
    line: &str,
    rest: &mut impl Iterator<Item = &'a str>,
) -> bool {
    let Some(name) = ["run_command ", "authorize_key "]
        .into_iter()
        .find(|n| line.starts_with(n))
    else {
        return false;
    };
    // shlex refuses an open quote: the call goes on on the next line.
    let mut call = line.to_string();
    let words = loop {
        if let Some(words) = shlex::split(&call) {
            break words;
        }
        let Some(next) = rest.next() else {
            b.problems.push(format!(
                "{file}: a quote opened by `{}` never closes",
                name.trim()
            ));
            return true;
        };
        call.push('\n');
        call.push_str(next);
    };
    let found = |value| Found {
        file: file.to_string(),
        value,
    };
    match words.as_slice() {
        [_, name, sha256, text] if line.starts_with("run_command ") => {
            if *sha256 != crate::plan::extras::short_sha256(text) {
                b.problems.push(format!(
                    "{file}: commands.{name} is labelled sha256 {sha256} in the log, but its text does not hash to that (edited by hand?)"
                ));
            }
            b.commands.push(found(UserCommand {
                name: name.clone(),
                text: text.clone(),
            }))
        }
        [_, key] if line.starts_with("authorize_key ") => b.ssh_keys.push(Found {
            file: file.to_string(),
            value: key.clone(),
        }),
        _ => b.problems.push(format!(
            "{file}: cannot read `{}`",
            call.lines().next().unwrap_or_default()
        )),
    }
    true
}

#[cfg(test)]
mod tests {
    const EXAMPLE: &str = include_str!("../../../examples/escape-hatches.yaml");

    /// Every text lands in the bundle exactly as written, as a command and as a file's
    /// content, in every copy (step, bootstrap.sh, user-data), read back by this scanner.
    #[test]
    fn hostile_text_arrives_verbatim() {
        let secrets = crate::fixture_secrets();
        let texts: Vec<String> =
            serde_yaml::from_str(include_str!("../../../tests/fixtures/hostile-texts.yaml"))
                .unwrap();
        for text in &texts {
            let mut doc: serde_yaml::Value = serde_yaml::from_str(EXAMPLE).unwrap();
            doc["commands"]["pre"] = serde_yaml::Value::Sequence(vec![text.as_str().into()]);
            doc["files"][0]["content"] = text.as_str().into();
            let yaml = serde_yaml::to_string(&doc).unwrap();
            let (cluster, report) = crate::load_cluster(&yaml, "hostile.yaml", false);
            let cluster = cluster.unwrap_or_else(|| panic!("{report}"));
            let artifacts = crate::render_cluster(&cluster, &secrets).unwrap();
            for b in &super::super::bundles(&crate::tree_of(&artifacts)) {
                assert!(b.problems.is_empty(), "{text:?}: {:?}", b.problems);
                let pre: Vec<_> = b
                    .commands
                    .iter()
                    .filter(|c| c.value.name == "pre[0]")
                    .collect();
                assert!(!pre.is_empty(), "{text:?}");
                for c in pre {
                    assert_eq!(c.value.text, *text, "{}", c.file);
                }
                let copies: Vec<_> = b
                    .user_files
                    .iter()
                    .filter(|f| f.value.path.ends_with("50-mirror.conf"))
                    .collect();
                assert_eq!(copies.len(), 3, "step, bootstrap.sh and user-data");
                for f in copies {
                    assert_eq!(f.value.content, *text, "{}", f.file);
                }
            }
        }
    }
}
