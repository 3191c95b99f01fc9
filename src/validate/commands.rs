//! Part of stage 1b (validate): `commands.pre` and `commands.post`, the user's own shell
//! text. What a command does is the user's to decide (that is its purpose); kubeprint
//! only keeps the text to what the bundle carries inert until bash runs it: printable,
//! not empty, and without the here-document terminator of kubeprint's scripts.

use crate::config::Config;
use crate::layout::HEREDOC_END;
use crate::model::cluster::Commands;
use crate::validate::fields::Checker;

/// `commands.pre` and `commands.post`, each entry checked.
pub(crate) fn commands(config: &Config, c: &mut Checker) -> Commands {
    let mut list = |phase: &str, given: &Option<Vec<String>>| {
        let given = given.clone().unwrap_or_default();
        for (i, command) in given.iter().enumerate() {
            let path = format!("commands.{phase}[{i}]");
            if !c.readable(&path) {
                continue;
            }
            if command.trim().is_empty() {
                c.error(
                    &path,
                    "the command is empty",
                    "remove the entry, or write the command",
                );
            } else if let Some((message, help)) = text_problem(command) {
                c.error(&path, message, help);
            }
        }
        given
    };
    Commands {
        pre: list("pre", &config.commands.pre),
        post: list("post", &config.commands.post),
    }
}

/// Why text cannot go into a bundle as written (file content, a command): a control
/// character other than tab and line break, or the here-document terminator.
pub(crate) fn text_problem(text: &str) -> Option<(String, &'static str)> {
    if let Some(ch) = text
        .chars()
        .find(|&ch| ch.is_control() && ch != '\n' && ch != '\t')
    {
        return Some((
            format!(
                "the text contains the control character {}",
                ch.escape_unicode()
            ),
            "write printable text; tabs and line breaks (`\\n`, not `\\r\\n`) are fine",
        ));
    }
    text.contains(HEREDOC_END).then(|| {
        (
            format!("the text contains `{HEREDOC_END}`"),
            "kubeprint's scripts end their here-documents with that word; write it differently",
        )
    })
}
