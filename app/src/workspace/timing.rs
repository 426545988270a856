//! User Timing marks and measures: the app's own spans in DevTools' Performance panel, read
//! by the data-path bench (`tests/bench/data-path.mjs`): receiving a frame, loading the
//! documents, opening a supervision. A frame's spans only when asked for ([`frames_timed`]).

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

thread_local! {
    static FRAMES_TIMED: bool = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"giamsatFrameTiming".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
}

/// Whether each frame received is timed (`giamsat:frame`, `giamsat:merge`,
/// `giamsat:receive`): only when the page sets `window.giamsatFrameTiming = true` before the
/// app starts. A mark and two measures are a few tenths of a millisecond on every remote
/// keystroke, more than the tablet should pay for a debugging aid.
pub fn frames_timed() -> bool {
    FRAMES_TIMED.with(|on| *on)
}
