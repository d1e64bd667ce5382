//! The allocator `planc` is built with asks for no transparent huge pages: on a virtual
//! machine that hands freed memory back to its host, faulting them in again after a pause
//! cost a cold check a second (ARCHITECTURE.md). This binary uses the same allocator,
//! built with the same features.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The `AnonHugePages` of the mapping of this process that holds `address`, in KiB.
fn huge_kib_at(address: usize) -> Option<u64> {
    let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
    let mut inside = false;
    for line in smaps.lines() {
        if let Some((range, _)) = line.split_once(' ')
            && let Some((start, end)) = range.split_once('-')
            && let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16))
        {
            inside = (start..end).contains(&address);
        } else if inside && let Some(kib) = line.strip_prefix("AnonHugePages:") {
            return kib.trim().trim_end_matches("kB").trim().parse().ok();
        }
    }
    None
}

#[test]
fn the_allocator_asks_for_no_huge_pages() {
    let mode = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").unwrap_or_default();
    if !mode.contains("[madvise]") {
        // `always` gives huge pages whatever a process asks, `never` none: only under
        // `madvise` does the allocator decide.
        eprintln!("transparent huge pages are not `madvise` on this machine: nothing to check");
        return;
    }
    // Written to, so that every page is faulted in.
    let block = vec![1u8; 64 << 20];
    let huge = huge_kib_at(block.as_ptr() as usize + block.len() / 2).expect("the block's mapping in /proc/self/smaps");
    assert_eq!(huge, 0, "64 MiB from the allocator came in {huge} KiB of huge pages");
}
