//! Progress bars on stderr (indicatif), and a log writer that lifts the bars out of the way while a
//! log line is printed, so `-v` logs and bars do not garble each other.

use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bars of the running command, if any, for [`LogWriter`].
static ACTIVE: Mutex<Option<MultiProgress>> = Mutex::new(None);

/// An overall bar with an ETA and one bar per unit of work (a results file, a grades file).
pub struct Progress {
    multi: MultiProgress,
    overall: ProgressBar,
}

impl Progress {
    /// `enabled: false` (or stderr not a terminal) draws nothing.
    pub fn new(enabled: bool, total: u64, label: &str) -> Progress {
        let target = if enabled { ProgressDrawTarget::stderr_with_hz(10) } else { ProgressDrawTarget::hidden() };
        let multi = MultiProgress::with_draw_target(target);
        let overall = multi.add(ProgressBar::new(total));
        overall.set_style(
            ProgressStyle::with_template("{prefix:<28} [{elapsed_precise}] {wide_bar} {pos}/{len} ETA {eta} {msg}")
                .expect("a valid template"),
        );
        overall.set_prefix(label.to_owned());
        overall.enable_steady_tick(Duration::from_millis(250));
        *ACTIVE.lock().expect("progress lock") = Some(multi.clone());
        Progress { multi, overall }
    }

    /// A bar for one unit of work, drawn above the overall bar.
    pub fn add_bar(&self, label: &str, total: u64) -> ProgressBar {
        let bar = self.multi.insert_before(&self.overall, ProgressBar::new(total));
        bar.set_style(
            ProgressStyle::with_template("{prefix:<28} {bar:30} {pos}/{len} {msg}").expect("a valid template"),
        );
        bar.set_prefix(label.to_owned());
        bar
    }

    pub fn overall(&self) -> &ProgressBar {
        &self.overall
    }

    /// Stops drawing and leaves the final state on screen.
    pub fn finish(&self) {
        self.overall.finish();
        *ACTIVE.lock().expect("progress lock") = None;
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        *ACTIVE.lock().expect("progress lock") = None;
    }
}

/// stderr, with the progress bars (if drawing) suspended around each write. `tracing`'s formatter
/// writes one whole event per call, so lines never mix with bars.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        let active = ACTIVE.lock().map(|active| active.clone()).unwrap_or(None);
        match active {
            Some(multi) => multi.suspend(|| std::io::stderr().write_all(buffer)).map(|_| buffer.len()),
            None => std::io::stderr().write_all(buffer).map(|_| buffer.len()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
