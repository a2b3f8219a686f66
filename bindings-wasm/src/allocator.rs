//! The WebAssembly's memory allocator: free lists of power-of-two blocks.
//!
//! The module's work is short calls (read an offer, write a URI) whose allocations are freed before the
//! call returns, so a block freed is soon wanted again at the same size. A list per power of two serves
//! that in a few instructions, and in a tenth of the code of the standard library's `dlmalloc`
//! (about 3 KB of the package's gzip size). What it gives up is splitting and merging: a freed block
//! only ever serves its own size class, so memory held is at most the peak each class ever needed, never
//! more than twice what was asked for in it. The tests run the allocator over a long random workload and
//! check that repeating it takes no new memory.
//!
//! Every block is aligned to its own size (so any alignment up to the size is met). The gap the bump pointer
//! skips to reach that alignment is itself cut into aligned power-of-two blocks and put on the free lists.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::UnsafeCell;
use std::ptr;

/// WebAssembly's page: memory grows by whole pages.
pub const PAGE: usize = 64 * 1024;

/// The smallest block: room for a free block's link on wasm32 and on a 64-bit host (the tests).
const MIN_SHIFT: u32 = 3;
/// One free list per power of two from 2^MIN_SHIFT up to the whole address space.
const CLASSES: usize = (usize::BITS - MIN_SHIFT) as usize;

/// Where the allocator gets memory from.
pub trait Memory {
    /// Adds `pages` pages at the end of memory and returns the address they start at, or `None` when
    /// memory cannot grow.
    fn grow(&self, pages: usize) -> Option<usize>;
}

/// The module's own linear memory.
#[cfg(target_arch = "wasm32")]
#[derive(Debug)]
pub struct LinearMemory;

#[cfg(target_arch = "wasm32")]
impl Memory for LinearMemory {
    fn grow(&self, pages: usize) -> Option<usize> {
        match core::arch::wasm32::memory_grow(0, pages) {
            usize::MAX => None,
            old_pages => Some(old_pages * PAGE),
        }
    }
}

/// Free lists of power-of-two blocks over a [`Memory`].
#[derive(Debug)]
pub struct SizeClasses<M> {
    memory: M,
    state: UnsafeCell<State>,
}

#[derive(Debug)]
struct State {
    /// The first free block of each class (0: none); a free block's first word links to the next.
    free: [usize; CLASSES],
    /// Memory not yet cut into blocks: `next..end`.
    next: usize,
    end: usize,
}

// SAFETY: WebAssembly without the `atomics` feature has no threads, so no two calls overlap.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
unsafe impl Sync for SizeClasses<LinearMemory> {}

impl<M: Memory> SizeClasses<M> {
    /// An allocator that has taken no memory yet.
    pub const fn new(memory: M) -> Self {
        Self { memory, state: UnsafeCell::new(State { free: [0; CLASSES], next: 0, end: 0 }) }
    }

    /// The class of the block that serves `layout`: log2 of its size, less `MIN_SHIFT`.
    fn class(layout: Layout) -> Option<usize> {
        let size = layout.size().max(layout.align()).max(1 << MIN_SHIFT);
        let shift = size.checked_next_power_of_two()?.trailing_zeros();
        Some((shift - MIN_SHIFT) as usize)
    }

    /// A block of `class`, from its free list or cut from fresh memory; 0 when memory is exhausted.
    ///
    /// # Safety
    /// No other call may use the state at the same time.
    unsafe fn take(&self, class: usize) -> usize {
        // SAFETY: exclusive by the caller's promise.
        let state = unsafe { &mut *self.state.get() };
        let head = state.free[class];
        if head != 0 {
            // SAFETY: a free block holds the link written when it was freed.
            state.free[class] = unsafe { (head as *const usize).read() };
            return head;
        }
        let size = 1usize << (class as u32 + MIN_SHIFT);
        let fits = |state: &State| state.next.checked_next_multiple_of(size).and_then(|start| start.checked_add(size));
        // Aligning the block may skip up to its size again, so growing once may not be enough.
        while fits(state).is_none_or(|end| end > state.end) {
            let pages = size.div_ceil(PAGE);
            let Some(start) = self.memory.grow(pages) else { return 0 };
            if start != state.end {
                // Someone else grew memory in between: what was left before it is given to the free lists.
                // SAFETY: exclusive, and `next..end` is unused memory of this allocator.
                unsafe { Self::give(state, state.end) };
                state.next = start;
            }
            // Saturating: memory that reaches the end of the 32-bit address space ends one byte short.
            state.end = start.saturating_add(pages * PAGE);
        }
        let start = state.next.next_multiple_of(size);
        // SAFETY: `next..start` is unused memory of this allocator.
        unsafe { Self::give(state, start) };
        state.next = start + size;
        start
    }

    /// Puts `state.next..until` on the free lists as the largest blocks aligned to their size.
    ///
    /// # Safety
    /// `state.next..until` must be memory of this allocator that nothing uses.
    unsafe fn give(state: &mut State, until: usize) {
        while state.next < until {
            let aligned = 1usize << state.next.trailing_zeros().min(usize::BITS - 1);
            let mut size = aligned.min(until - state.next);
            size = 1 << (usize::BITS - 1 - size.leading_zeros()); // the largest power of two that fits
            if size >= 1 << MIN_SHIFT {
                // SAFETY: forwarded from the caller.
                unsafe { Self::push(state, state.next, (size.trailing_zeros() - MIN_SHIFT) as usize) };
            }
            state.next += size;
        }
    }

    /// # Safety
    /// `block` must be an unused block of `class`, aligned to its size.
    unsafe fn push(state: &mut State, block: usize, class: usize) {
        // SAFETY: the block is unused and at least a word long and aligned.
        unsafe { (block as *mut usize).write(state.free[class]) };
        state.free[class] = block;
    }
}

// SAFETY: every block is used by one allocation at a time (taken off its list, or cut from fresh memory),
// is at least as large as the layout asks and aligned to its own size, which is at least the layout's
// alignment; `dealloc` finds the same class from the same layout.
unsafe impl<M: Memory> GlobalAlloc for SizeClasses<M> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match Self::class(layout) {
            // SAFETY: no threads (see the `Sync` impl).
            Some(class) if class < CLASSES => unsafe { self.take(class) as *mut u8 },
            _ => ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        if let Some(class) = Self::class(layout) {
            // SAFETY: no threads; the block was allocated for this layout, so it is of this class.
            unsafe { Self::push(&mut *self.state.get(), block as usize, class) };
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's promise for `layout` and `new_size` (nonzero, in range at `layout.align()`).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if Self::class(new_layout) == Self::class(layout) {
            return block;
        }
        // SAFETY: as for `alloc` and `dealloc`; the old block stays valid until it is copied.
        unsafe {
            let moved = self.alloc(new_layout);
            if !moved.is_null() {
                ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                self.dealloc(block, layout);
            }
            moved
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// Pages from one arena of the host's memory, at most `limit` of them.
    struct Arena {
        base: *mut u8,
        limit: usize,
        used: Cell<usize>,
    }

    impl Arena {
        fn new(limit: usize) -> Self {
            let layout = Layout::from_size_align(limit * PAGE, PAGE).unwrap();
            // SAFETY: a nonzero size.
            let base = unsafe { std::alloc::alloc(layout) };
            assert!(!base.is_null());
            Self { base, limit, used: Cell::new(0) }
        }
    }

    impl Drop for Arena {
        fn drop(&mut self) {
            // SAFETY: allocated in `new` with this layout.
            unsafe { std::alloc::dealloc(self.base, Layout::from_size_align(self.limit * PAGE, PAGE).unwrap()) };
        }
    }

    impl Memory for &Arena {
        fn grow(&self, pages: usize) -> Option<usize> {
            let used = self.used.get();
            if used + pages > self.limit {
                return None;
            }
            self.used.set(used + pages);
            Some(self.base as usize + used * PAGE)
        }
    }

    /// A fixed-seed generator: the same workload on every run.
    struct XorShift(u64);

    impl XorShift {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// Allocates, grows, shrinks and frees blocks at random (sizes 1 B to 256 KiB, alignments 1 to 64),
    /// filling each with its own byte and checking it is intact when it is resized or freed.
    fn workload(allocator: &SizeClasses<&Arena>, seed: u64, steps: usize) {
        let mut random = XorShift(seed);
        let mut live: Vec<(*mut u8, Layout, u8)> = Vec::new();
        let intact = |block: *mut u8, layout: Layout, fill: u8| {
            // SAFETY: a live block of `layout.size()` bytes, all written.
            let bytes = unsafe { std::slice::from_raw_parts(block, layout.size()) };
            assert!(bytes.iter().all(|&b| b == fill), "a block was overwritten");
        };
        for step in 0..steps {
            let fill = step as u8;
            match random.below(10) {
                0..=3 => {
                    let size = 1 + if random.below(20) == 0 { random.below(256 * 1024) } else { random.below(600) };
                    let layout = Layout::from_size_align(size, 1 << random.below(7)).unwrap();
                    // SAFETY: a nonzero size.
                    let block = unsafe { allocator.alloc(layout) };
                    assert!(!block.is_null(), "the arena ran out at step {step}");
                    assert_eq!(block as usize % layout.align(), 0);
                    // SAFETY: a fresh block of this size.
                    unsafe { block.write_bytes(fill, size) };
                    live.push((block, layout, fill));
                }
                4..=5 if !live.is_empty() => {
                    let (block, layout, old) = live.swap_remove(random.below(live.len()));
                    intact(block, layout, old);
                    let new_size = 1 + random.below(2 * layout.size() + 16);
                    // SAFETY: a live block of `layout`; a nonzero size.
                    let moved = unsafe { allocator.realloc(block, layout, new_size) };
                    let new_layout = Layout::from_size_align(new_size, layout.align()).unwrap();
                    assert_eq!(moved as usize % layout.align(), 0);
                    intact(moved, Layout::from_size_align(layout.size().min(new_size), 1).unwrap(), old);
                    // SAFETY: the resized block is `new_size` long.
                    unsafe { moved.write_bytes(fill, new_size) };
                    live.push((moved, new_layout, fill));
                }
                _ if !live.is_empty() => {
                    let (block, layout, fill) = live.swap_remove(random.below(live.len()));
                    intact(block, layout, fill);
                    // SAFETY: a live block of this layout.
                    unsafe { allocator.dealloc(block, layout) };
                }
                _ => {}
            }
        }
        for (block, layout, fill) in live {
            intact(block, layout, fill);
            // SAFETY: a live block of this layout.
            unsafe { allocator.dealloc(block, layout) };
        }
    }

    #[test]
    fn blocks_are_aligned_distinct_and_keep_their_bytes() {
        let arena = Arena::new(512);
        workload(&SizeClasses::new(&arena), 0x5eed, 20_000);
    }

    #[test]
    fn repeating_a_workload_takes_no_new_memory() {
        let arena = Arena::new(512);
        let allocator = SizeClasses::new(&arena);
        workload(&allocator, 7, 5_000);
        let after_first = arena.used.get();
        for _ in 0..20 {
            workload(&allocator, 7, 5_000);
        }
        assert_eq!(arena.used.get(), after_first, "memory grew on a workload it had served already");
    }

    #[test]
    fn different_workloads_reuse_what_earlier_ones_freed() {
        let arena = Arena::new(512);
        let allocator = SizeClasses::new(&arena);
        for seed in 1..=30 {
            workload(&allocator, seed, 3_000);
        }
        // Without merging, each class keeps its own peak: thirty workloads one after another hold a few
        // times what one needs (4.1 times when written), never thirty times.
        let single = {
            let arena = Arena::new(512);
            workload(&SizeClasses::new(&arena), 1, 3_000);
            arena.used.get()
        };
        assert!(arena.used.get() <= 5 * single, "{} pages against {single} for one workload", arena.used.get());
    }

    #[test]
    fn exhausted_memory_is_a_null_pointer_not_a_panic() {
        let arena = Arena::new(2);
        let allocator = SizeClasses::new(&arena);
        // SAFETY: nonzero sizes.
        unsafe {
            assert!(allocator.alloc(Layout::from_size_align(4 * PAGE, 8).unwrap()).is_null());
            assert!(!allocator.alloc(Layout::from_size_align(100, 8).unwrap()).is_null());
        }
    }

    #[test]
    fn memory_grown_by_someone_else_is_skipped() {
        let arena = Arena::new(16);
        let allocator = SizeClasses::new(&arena);
        let layout = Layout::from_size_align(PAGE, 8).unwrap();
        // SAFETY: nonzero sizes; the arena's pages taken by hand are never handed out.
        unsafe {
            let first = allocator.alloc(layout) as usize;
            let foreign = (&arena).grow(1).unwrap();
            let second = allocator.alloc(layout) as usize;
            let third = allocator.alloc(layout) as usize;
            for block in [first, second, third] {
                assert!(block + PAGE <= foreign || block >= foreign + PAGE, "a block overlaps the foreign page");
            }
        }
    }
}
