//! Part of the facts stage, its fast lane: a hint that a value will be read soon, so that its
//! cache line is on its way while other work is done. Unlike a load, a hint does not hold the
//! processor up until the line arrives, and it never faults.

/// Asks for the cache line that holds `value` (on x86-64; elsewhere, nothing).
#[inline(always)]
pub(crate) fn ahead<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    safe_arch::prefetch_t0(value);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
