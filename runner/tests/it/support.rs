//! Running the binary and writing small datasets.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const QUESTIONS: &str = r#"[
  {"id": 1, "category": "neutral_factual", "english": "What is 2+2?", "kazakh": "2+2 неше?", "mongolian": "2+2 хэд вэ?", "reference_answer": "4"},
  {"id": 2, "category": "kazakh_cultural", "english": "What is a dombra?", "kazakh": "Домбыра деген не?", "mongolian": "Домбыр гэж юу вэ?", "reference_answer": "A lute"}
]"#;

pub const GRADES_HEADER: &str =
    "question_id,category,model,accuracy,fluency,completeness,total,response_time,response_length,notes\n";

pub fn left_behind(args: &[&str]) -> Output {
    left_behind_in(None, args, &[])
}

/// Runs the binary with `args`, in `cwd` if given, with extra environment variables.
pub fn left_behind_in(cwd: Option<&Path>, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_left-behind"));
    command.args(args).env_remove("LEFT_BEHIND_SOURCE").env_remove("RUST_LOG");
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

pub fn write(root: &Path, path: &str, content: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

pub fn results_json(condition: &str, directory_language: &str, model: &str, ids: &[u32]) -> String {
    let responses: Vec<String> = ids
        .iter()
        .map(|id| {
            let category = if *id == 1 { "neutral_factual" } else { "kazakh_cultural" };
            format!(
                r#"{{"question_id": {id}, "category": "{category}", "question_text": "q", "response": "Жауап {id}", "reference_answer": null, "response_time_seconds": 2.5}}"#
            )
        })
        .collect();
    format!(
        r#"{{"model": "{model}", "model_id": "x", "condition": "{condition}", "condition_description": "d", "language": "{directory_language}", "system_prompt_used": null, "started_at": "t0", "responses": [{}], "last_updated": "t1"}}"#,
        responses.join(", ")
    )
}

/// Two questions; gpt_5.2 and qwen3 answered and graded in C1 and C2; one grading of qwen3 in C2 failed.
pub fn small_dataset() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "benchmark/questions.json", QUESTIONS);
    for (condition, directory, language) in [("C1", "C1_english", "english"), ("C2", "C2_kazakh", "kazakh")] {
        for model in ["gpt_5.2", "qwen3"] {
            write(
                root,
                &format!("results/{directory}/{model}.json"),
                &results_json(condition, language, model, &[1, 2]),
            );
        }
    }
    write(
        root,
        "grades/C1_english.csv",
        &format!(
            "{GRADES_HEADER}1,neutral_factual,gpt_5.2,2,2,2,6,3.0,10,\n2,kazakh_cultural,gpt_5.2,1,2,1,4,5.0,30,\n\
             1,neutral_factual,qwen3,2,2,1,5,2.0,20,\n2,kazakh_cultural,qwen3,0,2,0,2,4.0,40,\n"
        ),
    );
    write(
        root,
        "grades/C2_kazakh.csv",
        &format!(
            "{GRADES_HEADER}1,neutral_factual,gpt_5.2,2,1,2,5,6.0,12,\n2,kazakh_cultural,gpt_5.2,1,1,1,3,8.0,18,\n\
             1,neutral_factual,qwen3,1,0,1,2,9.0,9,\n2,kazakh_cultural,qwen3,-1,-1,-1,-1,7.0,7,judge timed out\n"
        ),
    );
    dir
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

pub fn read(path: impl Into<PathBuf>) -> String {
    let path = path.into();
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}
