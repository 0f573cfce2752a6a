//! The manual's examples stay true to the command line: every `left-behind ...` command in a `sh`
//! block of README.md and docs/*.md (directly, or after `cargo run ... --`) parses with the
//! `left-behind` command's own parser, so a renamed flag or command cannot leave a stale example.

use std::path::{Path, PathBuf};

use clap::Parser;
use left_behind_runner::cli::Cli;

/// The repository's documents with examples.
fn documents() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("runner/ is in the repository");
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ holds the manual")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// The lines of the ```sh blocks of `markdown`, with their line numbers.
fn shell_lines(markdown: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut in_shell = false;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(info) = trimmed.strip_prefix("```") {
            in_shell = !in_shell && matches!(info.trim(), "sh" | "bash" | "console" | "shell");
            continue;
        }
        if in_shell {
            lines.push((index + 1, line.to_owned()));
        }
    }
    lines
}

/// A shell line's words, quotes removed; a `#` starting a word starts a comment.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote = None;
    for character in line.chars() {
        match (quote, character) {
            (Some(open), _) if character == open => quote = None,
            (Some(_), _) => word.get_or_insert_with(String::new).push(character),
            (None, '\'' | '"') => {
                quote = Some(character);
                word.get_or_insert_with(String::new);
            }
            (None, '#') if word.is_none() => break,
            (None, character) if character.is_whitespace() => words.extend(word.take()),
            (None, character) => word.get_or_insert_with(String::new).push(character),
        }
    }
    words.extend(word);
    words
}

/// The `left-behind` invocations of one shell line: its commands (split at `&&`, `;`, `|`), each
/// either `left-behind ARGS` or `cargo run ... -p left-behind-runner ... -- ARGS`.
fn invocations(line: &str) -> Vec<Vec<String>> {
    let words = shell_words(line);
    words
        .split(|word| matches!(word.as_str(), "&&" | "||" | ";" | "|"))
        .filter_map(|command| {
            let first = command.iter().position(|word| !word.contains('='))?;
            let command = &command[first..];
            match command.first().map(String::as_str) {
                Some("left-behind") => Some(command.to_vec()),
                Some("cargo") if command.get(1).is_some_and(|word| word == "run") => {
                    let runs_the_runner = command.iter().any(|word| word == "left-behind-runner");
                    let separator = command.iter().position(|word| word == "--")?;
                    runs_the_runner.then(|| {
                        std::iter::once("left-behind".to_owned())
                            .chain(command[separator + 1..].iter().cloned())
                            .collect()
                    })
                }
                _ => None,
            }
        })
        .collect()
}

#[test]
fn every_left_behind_command_in_the_docs_parses() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in documents() {
        let markdown = std::fs::read_to_string(&path).unwrap();
        for (line_number, line) in shell_lines(&markdown) {
            for arguments in invocations(&line) {
                checked += 1;
                if let Err(error) = Cli::try_parse_from(&arguments) {
                    failures.push(format!("{}:{line_number}: `{}`:\n{error}", path.display(), arguments.join(" ")));
                }
            }
        }
    }
    assert!(failures.is_empty(), "examples that no longer parse:\n\n{}", failures.join("\n"));
    // The manual has dozens of examples; finding few means the extraction broke, not the examples.
    assert!(checked >= 20, "only {checked} examples found in README.md and docs/");
}

#[test]
fn the_extraction_finds_commands_where_the_docs_write_them() {
    assert_eq!(
        invocations("left-behind run --model qwen3 --condition C2,C3 --limit 5   # a quick trial"),
        vec![
            ["left-behind", "run", "--model", "qwen3", "--condition", "C2,C3", "--limit", "5"]
                .map(str::to_owned)
                .to_vec()
        ]
    );
    assert_eq!(
        invocations("cargo run --release -p left-behind-runner -- fetch && cargo run -p left-behind-runner -- report"),
        vec![vec!["left-behind".to_owned(), "fetch".to_owned()], vec!["left-behind".to_owned(), "report".to_owned()]]
    );
    assert_eq!(invocations("LEFT_BEHIND_SOURCE=/x left-behind fetch"), vec![vec!["left-behind", "fetch"]]);
    assert!(invocations("cargo xtask demo     # fetch the study's dataset").is_empty());
    assert_eq!(
        shell_words(r#"left-behind run --model "my model" # note"#),
        ["left-behind", "run", "--model", "my model"]
    );
    // A stale flag is caught.
    assert!(Cli::try_parse_from(["left-behind", "run", "--no-such-flag"]).is_err());
}
