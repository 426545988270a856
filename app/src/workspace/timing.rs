//! User Timing marks and measures: the app's own spans in DevTools' Performance panel, read
//! by the data-path bench (`tests/bench/data-path.mjs`): receiving a frame, loading the
//! documents, opening a supervision.

/// A User Timing mark (DevTools' Performance panel shows them; the data-path bench observes
/// them). Only the latest of each name is kept, so a day of frames does not pile them up.
pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        p.clear_marks_with_mark_name(name);
        let _ = p.mark(name);
    }
}

/// A User Timing measure from mark `from` to now (the latest of each name kept).
pub fn measure(name: &str, from: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        p.clear_measures_with_measure_name(name);
        let _ = p.measure_with_start_mark(name, from);
    }
}
