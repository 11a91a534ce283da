//! How big a single call may get, checked before anything is allocated.
//!
//! WebAssembly memory (wasm32) is at most 4 GiB, browsers often grant less, and memory a module
//! has grown is never returned to the page. A call that runs out of memory does not fail
//! gracefully: the allocator aborts and the module is dead for the rest of the page's life. So
//! every size a caller controls (users × items of a world, rows of a log, nRounds × nActions of
//! an action distribution, Monte-Carlo rounds, list lengths) is checked against
//! [`MAX_BYTES`] first, and the error says what was asked for, what it needs and the limit.

//!
//! In WebAssembly the crate also counts the bytes it holds (a thin wrapper around the system
//! allocator), so that a page which creates Worlds and Logs in a loop without `free()` gets a
//! clear error once receval holds [`MAX_TOTAL_BYTES`], instead of a dead module at 4 GiB. (The
//! JS objects are freed automatically when the garbage collector reclaims them, but it rarely
//! runs during a synchronous loop, and it does not see memory held inside Wasm.)

use crate::error::{Error, Result};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The most memory one table (or one call's largest working set) may take: 1 GiB.
pub const MAX_BYTES: usize = 1 << 30;

/// The most memory receval may hold in all (Wasm only): 3 GiB of the 4 GiB a module can have.
pub const MAX_TOTAL_BYTES: usize = 3 << 30;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting the bytes in use (installed as the global allocator of the
/// WebAssembly build; see `lib.rs`).
pub struct CountingAllocator;

// Safety: every call is forwarded to `System`; the counter has no effect on the memory handed out.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
            ALLOCATED.fetch_add(new_size, Ordering::Relaxed);
        }
        p
    }
}

/// Bytes receval holds now (0 where the counting allocator is not installed: native builds).
pub fn allocated() -> usize {
    ALLOCATED.load(Ordering::Relaxed)
}

/// Human-readable bytes in binary units: "1.5 GiB", "640 MiB".
pub fn human_bytes(bytes: f64) -> String {
    const GIB: f64 = (1u64 << 30) as f64;
    const MIB: f64 = (1u64 << 20) as f64;
    if bytes >= GIB {
        format!("{:.1} GiB", bytes / GIB)
    } else if bytes >= MIB {
        format!("{:.0} MiB", bytes / MIB)
    } else {
        format!("{:.0} KiB", bytes / 1024.0)
    }
}

/// Check that `count` values of `bytes_each` bytes fit in [`MAX_BYTES`]; otherwise an error about
/// `argument` that says what needed the memory (`what`, e.g. "a log of 1000000 × 100 rows").
pub fn check(argument: &str, what: &str, count: f64, bytes_each: usize) -> Result<()> {
    let bytes = count * bytes_each as f64;
    if bytes.is_nan() || bytes > MAX_BYTES as f64 {
        return Err(Error::invalid(
            argument,
            format!(
                "{what} needs about {}, more than receval's limit of {} per table (WebAssembly memory is at most 4 GiB, browsers often grant less, and it is never given back): use a smaller size",
                human_bytes(bytes),
                human_bytes(MAX_BYTES as f64)
            ),
        ));
    }
    let held = allocated() as f64;
    if held + bytes > MAX_TOTAL_BYTES as f64 {
        return Err(Error::invalid(
            argument,
            format!(
                "{what} needs about {} more, but receval already holds {} and may use at most {}: call .free() on the Worlds, Logs and Labs you no longer need (the garbage collector frees them eventually, but rarely during a synchronous loop)",
                human_bytes(bytes),
                human_bytes(held),
                human_bytes(MAX_TOTAL_BYTES as f64)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_within_the_limit_pass_and_larger_ones_name_the_argument() {
        assert!(check("nRounds", "a log", 1e6, 8).is_ok());
        let e = check("nRounds", "a log of 1e9 × 100 rows", 1e11, 8).unwrap_err();
        assert_eq!(e.argument(), "nRounds");
        assert!(e.message().contains("745.1 GiB"), "{e}");
        assert!(check("x", "NaN rows", f64::NAN, 8).is_err());
    }
}
