//! Performance marks and measures (the User Timing API), read by the benchmark script
//! (tests/browser/bench.mjs) to say where the time goes: fetch, parse, compute, render.

/// Records a mark named `name` (no-op outside a browser).
pub fn mark(name: &str) {
    if let Some(performance) = performance() {
        let _ = performance.mark(name);
    }
}

/// Records a measure `name` from mark `start` to mark `end`.
pub fn measure(name: &str, start: &str, end: &str) {
    if let Some(performance) = performance() {
        let _ = performance.measure_with_start_mark_and_end_mark(name, start, end);
    }
}

fn performance() -> Option<web_sys::Performance> {
    web_sys::window()?.performance()
}
