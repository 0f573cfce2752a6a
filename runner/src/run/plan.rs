//! What a run will do: the selected models, conditions and questions, the results file of each
//! (condition, model) as it stands on disk, and which questions still need a call.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use left_behind_shared::{
    Condition, QUESTIONS_PATH, Question, ResultsFile, parse_questions, parse_results, results_path,
};

use crate::config::{ModelEntry, RunnerConfig};

/// Which questions of a results file need a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    /// Questions without an answer, and those whose last call failed.
    Missing,
    /// Every selected question, answered or not (`--force`).
    Force,
    /// Only questions whose last call failed (`--retry-errors`).
    RetryErrors,
}

/// The user's selection (empty lists mean everything).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub models: Vec<String>,
    pub conditions: Vec<Condition>,
    pub question_ids: Vec<u32>,
    /// Only the first N selected questions (by id).
    pub limit: Option<usize>,
}

/// One results file and the calls it needs.
#[derive(Debug, Clone)]
pub struct FilePlan {
    pub condition: Condition,
    pub model: ModelEntry,
    pub path: PathBuf,
    /// `results/<condition_dir>/<model>.json`
    pub relative_path: String,
    /// The file as it is on disk, if it exists.
    pub existing: Option<ResultsFile>,
    /// Selected questions already answered.
    pub answered: usize,
    /// Selected questions whose last call failed.
    pub failed_before: usize,
    /// Question ids to call, in order.
    pub pending: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub models: Vec<ModelEntry>,
    pub conditions: Vec<Condition>,
    /// The selected questions, by id.
    pub questions: Vec<Question>,
    /// Condition by condition, models in configuration order.
    pub files: Vec<FilePlan>,
}

impl Plan {
    pub fn pending_calls(&self) -> usize {
        self.files.iter().map(|file| file.pending.len()).sum()
    }

    pub fn question(&self, id: u32) -> &Question {
        self.questions.iter().find(|question| question.id == id).expect("pending ids come from the selected questions")
    }

    /// The models with at least one pending call.
    pub fn models_to_call(&self) -> Vec<&ModelEntry> {
        self.models
            .iter()
            .filter(|model| self.files.iter().any(|file| file.model.name == model.name && !file.pending.is_empty()))
            .collect()
    }
}

/// Reads `benchmark/questions.json` under `data_dir`.
pub fn read_questions(data_dir: &Path) -> anyhow::Result<Vec<Question>> {
    let path = data_dir.join(QUESTIONS_PATH);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => bail!(
            "{} does not exist: a run asks the benchmark's questions; get them with `left-behind fetch` or pass --data DIR",
            path.display()
        ),
        Err(error) => return Err(error).with_context(|| format!("cannot read {}", path.display())),
    };
    let questions = parse_questions(&text, &path.display().to_string())?;
    let mut seen = BTreeSet::new();
    if let Some(duplicate) = questions.iter().find(|question| !seen.insert(question.id)) {
        bail!("{}: question id {} appears more than once", path.display(), duplicate.id);
    }
    Ok(questions)
}

/// The selected models, conditions and questions, in order. Unknown names and ids are errors that
/// list what exists.
pub fn select(
    config: &RunnerConfig,
    questions: Vec<Question>,
    selection: &Selection,
) -> anyhow::Result<(Vec<ModelEntry>, Vec<Condition>, Vec<Question>)> {
    let models: Vec<ModelEntry> = if selection.models.is_empty() {
        config.models.clone()
    } else {
        let unknown: Vec<&str> =
            selection.models.iter().map(String::as_str).filter(|name| config.model(name).is_none()).collect();
        if !unknown.is_empty() {
            let known: Vec<&str> = config.models.iter().map(|model| model.name.as_str()).collect();
            bail!("unknown model {} (configured: {})", unknown.join(", "), known.join(", "));
        }
        config.models.iter().filter(|model| selection.models.contains(&model.name)).cloned().collect()
    };
    let conditions: Vec<Condition> = if selection.conditions.is_empty() {
        Condition::ALL.to_vec()
    } else {
        Condition::ALL.into_iter().filter(|condition| selection.conditions.contains(condition)).collect()
    };
    let mut questions = questions;
    if !selection.question_ids.is_empty() {
        let unknown: Vec<String> = selection
            .question_ids
            .iter()
            .filter(|id| !questions.iter().any(|question| question.id == **id))
            .map(u32::to_string)
            .collect();
        if !unknown.is_empty() {
            bail!("no question with id {} in {QUESTIONS_PATH}", unknown.join(", "));
        }
        questions.retain(|question| selection.question_ids.contains(&question.id));
    }
    if let Some(limit) = selection.limit {
        questions.truncate(limit);
    }
    Ok((models, conditions, questions))
}

/// The plan for the selection: reads each results file that exists and works out what to call.
pub fn build(
    config: &RunnerConfig,
    data_dir: &Path,
    questions: Vec<Question>,
    selection: &Selection,
    mode: RunMode,
) -> anyhow::Result<Plan> {
    let (models, conditions, questions) = select(config, questions, selection)?;
    let ids: Vec<u32> = questions.iter().map(|question| question.id).collect();
    let mut files = Vec::new();
    for &condition in &conditions {
        let system_prompt = config.condition(condition).system_prompt.as_deref();
        for model in &models {
            let relative_path = results_path(condition, &model.name);
            let path = data_dir.join(&relative_path);
            let existing = read_existing(&path, &relative_path)?;
            if let Some(existing) = &existing {
                check_compatible(existing, &relative_path, model, system_prompt)?;
            }
            let answered: BTreeSet<u32> =
                existing.iter().flat_map(|file| file.responses.iter().map(|response| response.question_id)).collect();
            let failed: BTreeSet<u32> =
                existing.iter().flat_map(|file| file.errors.iter().map(|error| error.question_id)).collect();
            let pending: Vec<u32> = ids
                .iter()
                .copied()
                .filter(|id| match mode {
                    RunMode::Force => true,
                    RunMode::RetryErrors => failed.contains(id),
                    RunMode::Missing => !answered.contains(id) || failed.contains(id),
                })
                .collect();
            files.push(FilePlan {
                condition,
                model: model.clone(),
                path,
                relative_path,
                answered: ids.iter().filter(|id| answered.contains(id)).count(),
                failed_before: ids.iter().filter(|id| failed.contains(id)).count(),
                existing,
                pending,
            });
        }
    }
    Ok(Plan { models, conditions, questions, files })
}

pub(crate) fn read_existing(path: &Path, relative_path: &str) -> anyhow::Result<Option<ResultsFile>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut results = parse_results(&text, relative_path).with_context(|| {
        format!("{} cannot be resumed; fix or move it (nothing was called or written)", path.display())
    })?;
    results.sort_by_question();
    Ok(Some(results))
}

/// A results file holds one model's answers under one system prompt: answers made with another
/// model id or prompt are not added to it.
fn check_compatible(
    existing: &ResultsFile,
    relative_path: &str,
    model: &ModelEntry,
    system_prompt: Option<&str>,
) -> anyhow::Result<()> {
    let advice = "give the new setup another model name, or move the file away; nothing was called or written";
    if existing.model != model.name {
        bail!("{relative_path} is for model {:?}, not {:?}; {advice}", existing.model, model.name);
    }
    if existing.model_id != model.model_id {
        bail!(
            "{relative_path} was made with model id {:?} but the configuration now says {:?}; {advice}",
            existing.model_id,
            model.model_id
        );
    }
    if existing.system_prompt_used.as_deref() != system_prompt {
        bail!("{relative_path} was made with another system prompt than the configuration's; {advice}");
    }
    Ok(())
}
