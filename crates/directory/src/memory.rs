//! Memory handed back to the system at once while directories are built or dropped, and a
//! moment later otherwise.
//!
//! Handing every free back at once makes each search fault its pages in again (a number
//! query spent a quarter of its time so); keeping freed memory for a moment while a build
//! runs doubles its peak (a growing list's old buffers stay resident beside the new ones)
//! and leaves the build's working memory resident in a process that then waits for
//! requests. The binary knows its allocator and registers how to switch; the directory
//! says when a build or a drop starts and ends (several may overlap: the setting follows
//! whether any runs).

use std::sync::{Mutex, OnceLock};

/// `true`: from now on hand freed memory back at once; `false`: hand back what is free now,
/// then keep freed memory for a moment.
type Switch = fn(bool);

static SWITCH: OnceLock<Switch> = OnceLock::new();
static RUNNING: Running = Running(Mutex::new(0));

/// Registers the allocator's switch (the first call wins).
pub fn on_bulk(switch: Switch) {
    let _ = SWITCH.set(switch);
}

/// While this lives, a build or a drop of a directory runs.
pub(crate) struct Bulk(&'static Running, Option<Switch>);

pub(crate) fn bulk() -> Bulk {
    RUNNING.enter(SWITCH.get().copied())
}

/// How many builds and drops run; switched under its lock, so that the last switch is
/// always the one that matches the count.
struct Running(Mutex<usize>);

impl Running {
    fn enter(&'static self, switch: Option<Switch>) -> Bulk {
        let mut running = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if *running == 0 {
            switch.inspect(|switch| switch(true));
        }
        *running += 1;
        Bulk(self, switch)
    }
}

impl Drop for Bulk {
    fn drop(&mut self) {
        let mut running = self.0.0.lock().unwrap_or_else(|e| e.into_inner());
        *running -= 1;
        if *running == 0 {
            self.1.inspect(|switch| switch(false));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static SWITCHED: Mutex<Vec<bool>> = Mutex::new(Vec::new());
    static OURS: Running = Running(Mutex::new(0));

    /// Overlapping builds switch once on and once off, in that order; then again.
    #[test]
    fn the_switch_follows_whether_any_build_runs() {
        let switch: Switch = |on| SWITCHED.lock().unwrap().push(on);
        let first = OURS.enter(Some(switch));
        let second = OURS.enter(Some(switch));
        drop(first);
        assert_eq!(*SWITCHED.lock().unwrap(), [true]);
        drop(second);
        assert_eq!(*SWITCHED.lock().unwrap(), [true, false]);
        drop(OURS.enter(Some(switch)));
        assert_eq!(*SWITCHED.lock().unwrap(), [true, false, true, false]);
    }
}
