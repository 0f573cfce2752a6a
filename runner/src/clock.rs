//! Wall-clock timestamps for data files, in the study's format (`2026-02-17T05:42:33.645438+00:00`,
//! as Python's `datetime.now(timezone.utc).isoformat()` writes them).

/// The current time in UTC with microseconds and an explicit `+00:00` offset.
pub fn now_utc() -> String {
    format_utc(jiff::Timestamp::now())
}

/// `timestamp` in the study's format.
pub fn format_utc(timestamp: jiff::Timestamp) -> String {
    timestamp.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}
